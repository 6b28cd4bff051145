package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What Warning events of a desktop's Pod say that the Pod's status never shows: the sandbox the
 * node could not create, the home volume that cannot be attached or mounted, the scheduler's
 * message. Pure: the reconciler feeds it informer-cache objects (ADR 0016).
 *
 * <p>Some warnings are <em>terminal</em>: retrying can never fix them on the node the desktop is
 * pinned to, so the desktop fails at once. The others are <em>persistent</em> only once they keep
 * recurring: kubelet and the attach/detach controller retry mounts and attaches, and a volume that
 * is still detaching from the node a desktop ran on before clears by itself. Their reason is shown
 * while the desktop is STARTING, and the desktop fails only when the same warning has kept
 * recurring for {@code startFailureAfter} (from its first to its last occurrence, so a warning that
 * stopped recurring because the problem cleared never fails a desktop later).
 */
public final class PodWarnings {
  /** The kubelet could not create the Pod's sandbox (runtime handler, CNI, ...). */
  public static final String SANDBOX = "FailedCreatePodSandBox";

  /** The kubelet could not mount a volume (the home volume: desktops have no other). */
  public static final String MOUNT = "FailedMount";

  /** The attach/detach controller could not attach a volume to the node. */
  public static final String ATTACH = "FailedAttachVolume";

  /** The scheduler found no node for the Pod. */
  public static final String SCHEDULING = "FailedScheduling";

  /** The reasons this class maps; other events change no desktop state. */
  public static final Set<String> REASONS = Set.of(SANDBOX, MOUNT, ATTACH, SCHEDULING);

  // How container runtimes say that a RuntimeClass' handler is not installed on the node:
  // containerd 'no runtime for "runsc" is configured', CRI-O 'failed to find runtime handler
  // runsc from runtime list', the kubelet's own 'RuntimeHandler "runsc" not supported'.
  private static final List<String> MISSING_HANDLER =
      List.of("no runtime for", "runtime handler", "runtimehandler");

  // The scheduler's VolumeBinding plugin while a volume with Immediate binding (Longhorn's
  // default) is still being provisioned: a new desktop's Pod sees this for a second or two.
  private static final String UNBOUND_CLAIMS = "unbound immediate persistentvolumeclaims";

  private PodWarnings() {}

  /**
   * What the warnings say about a Pod.
   *
   * @param terminal whether the desktop fails (else it is STARTING and shows the reason)
   * @param reason what the user is shown
   */
  public record Verdict(boolean terminal, String reason) {}

  /**
   * Whether {@code event} may change a desktop's state: a Warning about a desktop's Pod (named as
   * its Desktop, {@link DesktopNames#PREFIX}) with a reason mapped here. The informer handler asks
   * this, since the API server's field selectors are not available everywhere (the mock server in
   * CRUD mode has none for events).
   */
  public static boolean concernsDesktop(Event event, String namespace) {
    ObjectReference involved = event.getInvolvedObject();
    return involved != null
        && "Pod".equals(involved.getKind())
        && namespace.equals(involved.getNamespace())
        && involved.getName() != null
        && involved.getName().startsWith(DesktopNames.PREFIX)
        && "Warning".equals(event.getType())
        && REASONS.contains(event.getReason());
  }

  /**
   * The verdict on {@code pod} from {@code events}; empty when no warning of this Pod matters.
   * Events of an earlier Pod of the same desktop (same name, other uid) are ignored. Terminal
   * warnings win over persistent ones; among equals, the most recent one is shown.
   *
   * @param runtimeClass the desktop's RuntimeClass, named when its handler is missing
   * @param startFailureAfter how long a persistent warning may keep recurring before the desktop
   *     fails
   */
  public static Optional<Verdict> judge(
      Pod pod, Collection<Event> events, String runtimeClass, Duration startFailureAfter) {
    Verdict terminal = null;
    Verdict shown = null;
    for (Event event : ofPod(pod, events)) {
      if (!REASONS.contains(event.getReason()) || outdated(pod, event.getReason())) {
        continue;
      }
      Verdict verdict = verdict(pod, event, runtimeClass, startFailureAfter);
      if (verdict.terminal()) {
        terminal = terminal == null ? verdict : terminal;
      } else {
        shown = shown == null ? verdict : shown;
      }
    }
    return Optional.ofNullable(terminal != null ? terminal : shown);
  }

  // What the Pod's status shows it is past: the scheduler's complaints once it is bound to a node,
  // the node's (sandbox, volumes) once its sandbox runs with every volume mounted.
  private static boolean outdated(Pod pod, String reason) {
    if (SCHEDULING.equals(reason)) {
      return pod.getSpec() != null && pod.getSpec().getNodeName() != null;
    }
    return pod.getStatus() != null
        && DesktopStateMapper.conditionTrue(
            pod.getStatus().getConditions(), "PodReadyToStartContainers");
  }

  /** The scheduler's latest message about {@code pod}, or null. */
  public static String schedulerMessage(Pod pod, Collection<Event> events) {
    for (Event event : ofPod(pod, events)) {
      if (SCHEDULING.equals(event.getReason()) && !blank(event.getMessage())) {
        return event.getMessage();
      }
    }
    return null;
  }

  /**
   * Whether a scheduler message means the Pod waits for its volume to be bound rather than for a
   * node with room: not a reason to fail a desktop at once.
   */
  public static boolean waitsForVolume(String schedulerMessage) {
    return schedulerMessage != null
        && schedulerMessage.toLowerCase(Locale.ROOT).contains(UNBOUND_CLAIMS);
  }

  // Warnings of this very Pod, most recent first.
  private static List<Event> ofPod(Pod pod, Collection<Event> events) {
    String uid = pod.getMetadata() == null ? null : pod.getMetadata().getUid();
    if (uid == null || events == null) {
      return List.of();
    }
    return events.stream()
        .filter(
            e ->
                e.getInvolvedObject() != null
                    && uid.equals(e.getInvolvedObject().getUid())
                    && "Warning".equals(e.getType()))
        .sorted(
            Comparator.comparing(
                    (Event e) -> Optional.ofNullable(last(e)).orElse(Instant.EPOCH),
                    Comparator.reverseOrder())
                .thenComparing(
                    e -> e.getMetadata() == null ? "" : nonNull(e.getMetadata().getName())))
        .toList();
  }

  private static Verdict verdict(
      Pod pod, Event event, String runtimeClass, Duration startFailureAfter) {
    String message = blank(event.getMessage()) ? event.getReason() : event.getMessage().strip();
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    String text;
    boolean terminal;
    switch (event.getReason()) {
      case SANDBOX -> {
        terminal = missingHandler(message);
        text =
            terminal && runtimeClass != null && !KubernetesRuntime.RUNC.equals(runtimeClass)
                ? "runtime class "
                    + runtimeClass
                    + " is not installed on node "
                    + (node == null ? "?" : node)
                    + ": "
                    + message
                : "pod sandbox could not be created: " + message;
      }
      case MOUNT -> {
        terminal = false;
        text = "home volume cannot be mounted: " + message;
      }
      case ATTACH -> {
        terminal = false;
        text = "home volume cannot be attached: " + message;
      }
      default -> { // SCHEDULING
        terminal = !waitsForVolume(message);
        text = terminal ? "unschedulable: " + message : "waiting for the home volume: " + message;
      }
    }
    if (!terminal) {
      Duration lasted = lasted(event);
      if (lasted.compareTo(startFailureAfter) >= 0) {
        return new Verdict(true, text + " (kept failing for " + format(lasted) + ")");
      }
    }
    return new Verdict(terminal, text);
  }

  private static boolean missingHandler(String message) {
    String lower = message.toLowerCase(Locale.ROOT);
    return MISSING_HANDLER.stream().anyMatch(lower::contains);
  }

  /**
   * How long a warning has kept recurring: from its first to its last occurrence. Events written
   * through events.k8s.io/v1 (the scheduler) carry {@code eventTime} and {@code series}; the
   * kubelet's carry {@code firstTimestamp}, {@code lastTimestamp} and {@code count}.
   */
  static Duration lasted(Event event) {
    Instant first = first(event);
    Instant last = last(event);
    if (first == null || last == null || last.isBefore(first)) {
      return Duration.ZERO;
    }
    return Duration.between(first, last);
  }

  private static Instant first(Event e) {
    Instant first = parse(e.getFirstTimestamp());
    if (first == null) {
      first = parse(e.getEventTime());
    }
    if (first == null && e.getMetadata() != null) {
      first = parse(e.getMetadata().getCreationTimestamp());
    }
    return first;
  }

  private static Instant last(Event e) {
    Instant last = e.getSeries() == null ? null : parse(e.getSeries().getLastObservedTime());
    if (last == null) {
      last = parse(e.getLastTimestamp());
    }
    return last != null ? last : first(e);
  }

  private static Instant parse(MicroTime time) {
    return time == null ? null : parse(time.getTime());
  }

  static Instant parse(String time) {
    if (blank(time)) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null; // a timestamp no API server writes: the warning counts as not recurring
    }
  }

  // As kubectl prints ages: 3m0s, 45s.
  static String format(Duration d) {
    long seconds = d.toSeconds();
    return seconds >= 60 ? (seconds / 60) + "m" + (seconds % 60) + "s" : seconds + "s";
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
