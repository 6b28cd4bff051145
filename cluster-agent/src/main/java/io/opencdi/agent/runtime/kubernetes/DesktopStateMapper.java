package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.protocol.DesktopState;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Maps what Kubernetes shows of a desktop (its Desktop, its Pod and the Pod's Warning events) onto
 * the protocol's desktop states. Pure: the reconciler feeds it informer-cache objects.
 */
public final class DesktopStateMapper {
  /** Waiting reasons that mean the image will not be pulled without someone's help. */
  static final Set<String> IMAGE_FAILURES =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");

  /** Waiting reasons that mean the container cannot be created as specified. */
  static final Set<String> CONTAINER_FAILURES =
      Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");

  private DesktopStateMapper() {}

  /**
   * An observation.
   *
   * @param state the desktop's state
   * @param node the node it is bound to (or placed on), or null
   * @param reason why (set for FAILED), or null
   */
  public record Observed(DesktopState state, String node, String reason) {
    /** Whether the Pod failed in a way retrying it would not fix (it is removed, power set off). */
    public boolean failed() {
      return state == DesktopState.FAILED;
    }
  }

  /** The desktop's state from its Desktop and its Pod alone (no events seen, no deadline). */
  public static Observed observe(Desktop desktop, Pod pod) {
    return observe(desktop, pod, List.of(), Duration.ofDays(1));
  }

  /** As {@link #observe(Desktop, Pod, Collection, Duration)}, without a start deadline. */
  public static Observed observe(
      Desktop desktop, Pod pod, Collection<Event> events, Duration startFailureAfter) {
    return observe(desktop, pod, events, startFailureAfter, null, null);
  }

  /**
   * As {@link #observe(Desktop, Pod, Collection, Duration)}; besides, a desktop still {@code
   * STARTING} when its Pod was created {@code startDeadline} or longer before {@code now} is {@code
   * FAILED}, with what it was waiting for when known.
   */
  public static Observed observe(
      Desktop desktop,
      Pod pod,
      Collection<Event> events,
      Duration startFailureAfter,
      Duration startDeadline,
      Instant now) {
    Observed observed = observeNow(desktop, pod, events, startFailureAfter);
    Instant deadline = startDeadline == null ? null : startDeadline(pod, startDeadline);
    if (observed.state() != DesktopState.STARTING || deadline == null || now.isBefore(deadline)) {
      return observed;
    }
    return new Observed(
        DesktopState.FAILED,
        observed.node(),
        "did not become ready within "
            + PodWarnings.format(startDeadline)
            + (observed.reason() == null ? "" : ": " + observed.reason()));
  }

  /** When the starting desktop of this Pod fails if it is not ready by then, or null. */
  public static Instant startDeadline(Pod pod, Duration startDeadline) {
    if (pod == null || pod.getMetadata() == null) {
      return null;
    }
    Instant created = PodWarnings.parse(pod.getMetadata().getCreationTimestamp());
    return created == null ? null : created.plus(startDeadline);
  }

  /**
   * The desktop's state from its Desktop, its Pod (null when there is none) and the Warning events
   * of its Pod ({@link PodWarnings}; events of earlier Pods of the desktop are ignored).
   *
   * <p>Power off: a recorded {@code FAILED} stays (a failed desktop is powered off and stays FAILED
   * until the next start or stop); otherwise a Pod still there is {@code STOPPING}, none is {@code
   * STOPPED}. Power on: no Pod or a Pod not yet ready is {@code STARTING}; a Running Pod whose
   * Ready condition is true is {@code RUNNING}; image pull errors, unschedulable Pods, containers
   * that cannot be created or keep crashing, and Pods that ended are {@code FAILED}; so are Pods
   * with a terminal warning or one that kept recurring for {@code startFailureAfter}, while a
   * warning that may still clear is shown as the reason of {@code STARTING}.
   */
  private static Observed observeNow(
      Desktop desktop, Pod pod, Collection<Event> events, Duration startFailureAfter) {
    DesktopResourceSpec spec = desktop.getSpec();
    String node =
        pod != null && pod.getSpec() != null && pod.getSpec().getNodeName() != null
            ? pod.getSpec().getNodeName()
            : spec.node;
    boolean podGone = pod == null;
    boolean podTerminating = pod != null && pod.getMetadata().getDeletionTimestamp() != null;
    if (spec.power != DesktopResourceSpec.Power.On) {
      var status = desktop.getStatus();
      if (status != null && DesktopState.FAILED.name().equals(status.state)) {
        return new Observed(DesktopState.FAILED, node, status.reason);
      }
      if (!podGone) {
        return new Observed(DesktopState.STOPPING, node, null);
      }
      return new Observed(DesktopState.STOPPED, node, null);
    }
    if (podGone) {
      return new Observed(DesktopState.STARTING, node, null);
    }
    if (podTerminating) {
      // A power cycle: the old Pod goes, then a new one starts.
      return new Observed(DesktopState.STOPPING, node, null);
    }
    String failure = failure(pod, spec.image, events);
    if (failure != null) {
      return new Observed(DesktopState.FAILED, node, failure);
    }
    var podStatus = pod.getStatus();
    if (podStatus != null
        && "Running".equals(podStatus.getPhase())
        && conditionTrue(podStatus.getConditions(), "Ready")) {
      return new Observed(DesktopState.RUNNING, node, null);
    }
    Optional<PodWarnings.Verdict> warning =
        PodWarnings.judge(pod, events, spec.runtimeClassName, startFailureAfter);
    if (warning.isPresent()) {
      return new Observed(
          warning.get().terminal() ? DesktopState.FAILED : DesktopState.STARTING,
          node,
          warning.get().reason());
    }
    String volumeWait = unschedulableMessage(pod, events);
    if (volumeWait != null) {
      // Only a volume still being bound keeps an unschedulable Pod from failing (see failure).
      return new Observed(
          DesktopState.STARTING, node, "waiting for the home volume: " + volumeWait);
    }
    return new Observed(DesktopState.STARTING, node, null);
  }

  /** Why the Pod cannot become a working desktop, or null while it still may. */
  static String failure(Pod pod, String image, Collection<Event> events) {
    var status = pod.getStatus();
    if (status == null) {
      return null;
    }
    if ("Failed".equals(status.getPhase())) {
      return "pod failed: "
          + join(status.getReason(), status.getMessage(), "the kubelet gave no reason");
    }
    if ("Succeeded".equals(status.getPhase())) {
      return "desktop exited: its processes ended";
    }
    String unschedulable = unschedulableMessage(pod, events);
    if (unschedulable != null && !PodWarnings.waitsForVolume(unschedulable)) {
      return "unschedulable: " + unschedulable;
    }
    // A layer's init container (layers copied without image volumes) runs before the desktop's:
    // its image and its copy fail the desktop the same way, named as the layer's.
    for (ContainerStatus init : nonNull(status.getInitContainerStatuses())) {
      var state = init.getState();
      String reason =
          state == null || state.getWaiting() == null ? null : state.getWaiting().getReason();
      if (reason == null) {
        continue;
      }
      String message = state.getWaiting().getMessage();
      if (IMAGE_FAILURES.contains(reason)) {
        return "layer image pull failed: " + init.getImage() + ": " + join(reason, message, null);
      }
      if (CONTAINER_FAILURES.contains(reason)) {
        return "layer " + init.getName() + " could not be copied: " + join(reason, message, null);
      }
      if ("CrashLoopBackOff".equals(reason)) {
        return "layer "
            + init.getName()
            + " could not be copied ("
            + init.getImage()
            + " needs /bin/sh and cp): "
            + join(
                crashDetail(init, message), null, "restarted " + init.getRestartCount() + " times");
      }
    }
    for (ContainerStatus container : nonNull(status.getContainerStatuses())) {
      var state = container.getState();
      if (state == null || state.getWaiting() == null) {
        continue;
      }
      String reason = state.getWaiting().getReason();
      String message = state.getWaiting().getMessage();
      if (reason == null) {
        continue;
      }
      if (IMAGE_FAILURES.contains(reason)) {
        return "image pull failed: " + image + ": " + join(reason, message, null);
      }
      if (CONTAINER_FAILURES.contains(reason)) {
        return "container could not start: " + join(reason, message, null);
      }
      if ("CrashLoopBackOff".equals(reason)) {
        return "desktop keeps crashing: "
            + join(
                crashDetail(container, message),
                null,
                "restarted " + container.getRestartCount() + " times");
      }
    }
    return null;
  }

  /** The last exit of a crash-looping container, else the kubelet's message. */
  private static String crashDetail(ContainerStatus container, String message) {
    var last = container.getLastState() == null ? null : container.getLastState().getTerminated();
    return last == null
        ? message
        : "exit code "
            + last.getExitCode()
            + (last.getReason() == null ? "" : " (" + last.getReason() + ")");
  }

  /**
   * The scheduler's message when the Pod's condition says it is unschedulable (from its Warning
   * event when the condition has none), else null.
   */
  private static String unschedulableMessage(Pod pod, Collection<Event> events) {
    var status = pod.getStatus();
    if (status == null) {
      return null;
    }
    for (PodCondition condition : nonNull(status.getConditions())) {
      if ("PodScheduled".equals(condition.getType())
          && "False".equals(condition.getStatus())
          && "Unschedulable".equals(condition.getReason())) {
        return join(
            condition.getMessage(),
            null,
            join(PodWarnings.schedulerMessage(pod, events), null, "no node fits"));
      }
    }
    return null;
  }

  static boolean conditionTrue(List<PodCondition> conditions, String type) {
    for (PodCondition condition : nonNull(conditions)) {
      if (type.equals(condition.getType())) {
        return "True".equals(condition.getStatus());
      }
    }
    return false;
  }

  private static String join(String first, String second, String fallback) {
    boolean a = first != null && !first.isBlank();
    boolean b = second != null && !second.isBlank();
    if (a && b) {
      return first + ": " + second;
    }
    if (a) {
      return first;
    }
    if (b) {
      return second;
    }
    return fallback;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
