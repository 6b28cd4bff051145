package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.protocol.DesktopState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Warning events of a desktop's Pod onto desktop states, without a server. */
class PodWarningsTest {
  static final Duration THRESHOLD = Duration.ofMinutes(3);
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  static final String UID = "pod-uid-2";
  static final String HANDLER_MISSING =
      "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox"
          + " runtime: no runtime for \"runsc\" is configured";
  static final String CNI =
      "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for"
          + " sandbox \"4f1e\": plugin type=\"calico\" failed (add): connection refused";
  static final String MOUNT_TIMEOUT =
      "MountVolume.MountDevice failed for volume \"pvc-1\" : rpc error: code = Aborted desc ="
          + " volume pvc-1 is not ready for workloads";

  static Desktop desktop() {
    Desktop d = DesktopStateMapperTest.desktop(DesktopResourceSpec.Power.On);
    d.getSpec().runtimeClassName = "gvisor";
    return d;
  }

  /** The desktop's current Pod: bound to node-b, sandbox not yet running. */
  static PodBuilder pod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("desktop-d1")
        .withUid(UID)
        .endMetadata()
        .withNewSpec()
        .withNodeName("node-b")
        .endSpec()
        .withStatus(new PodStatusBuilder().withPhase("Pending").build());
  }

  static Event warning(String reason, String message, String uid, Instant first, Instant last) {
    return new EventBuilder()
        .withNewMetadata()
        .withName("desktop-d1." + reason + "." + first.getEpochSecond())
        .withNamespace("opencdi-desktops")
        .endMetadata()
        .withType("Warning")
        .withReason(reason)
        .withMessage(message)
        .withNewInvolvedObject()
        .withKind("Pod")
        .withNamespace("opencdi-desktops")
        .withName("desktop-d1")
        .withUid(uid)
        .endInvolvedObject()
        .withFirstTimestamp(first.toString())
        .withLastTimestamp(last.toString())
        .withCount(1)
        .build();
  }

  static Event warning(String reason, String message) {
    return warning(reason, message, UID, T0, T0);
  }

  static Observed observe(Pod pod, Event... events) {
    return DesktopStateMapper.observe(desktop(), pod, List.of(events), THRESHOLD);
  }

  @Test
  void aMissingRuntimeHandlerFailsAtOnceNamingTheRuntimeClassAndTheNode() {
    Observed o = observe(pod().build(), warning(PodWarnings.SANDBOX, HANDLER_MISSING));
    assertThat(o)
        .isEqualTo(
            new Observed(
                DesktopState.FAILED,
                "node-b",
                "runtime class gvisor is not installed on node node-b: " + HANDLER_MISSING));
    // CRI-O says it differently.
    String crio =
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to find runtime"
            + " handler kata from runtime list map[runc:0xc0]";
    assertThat(observe(pod().build(), warning(PodWarnings.SANDBOX, crio)).state())
        .isEqualTo(DesktopState.FAILED);
  }

  @Test
  void anotherSandboxErrorIsShownWhileStartingUntilItKeepsRecurring() {
    Observed once = observe(pod().build(), warning(PodWarnings.SANDBOX, CNI));
    assertThat(once)
        .isEqualTo(
            new Observed(
                DesktopState.STARTING, "node-b", "pod sandbox could not be created: " + CNI));
    Observed persisting =
        observe(
            pod().build(), warning(PodWarnings.SANDBOX, CNI, UID, T0, T0.plusSeconds(3 * 60 + 10)));
    assertThat(persisting)
        .isEqualTo(
            new Observed(
                DesktopState.FAILED,
                "node-b",
                "pod sandbox could not be created: " + CNI + " (kept failing for 3m10s)"));
  }

  @Test
  void aMountRetryBelowTheThresholdLeavesTheDesktopStartingWithTheReason() {
    Observed retrying =
        observe(
            pod().build(),
            warning(PodWarnings.MOUNT, MOUNT_TIMEOUT, UID, T0, T0.plus(THRESHOLD).minusSeconds(1)));
    assertThat(retrying)
        .isEqualTo(
            new Observed(
                DesktopState.STARTING,
                "node-b",
                "home volume cannot be mounted: " + MOUNT_TIMEOUT));
    Observed stuck =
        observe(
            pod().build(), warning(PodWarnings.MOUNT, MOUNT_TIMEOUT, UID, T0, T0.plus(THRESHOLD)));
    assertThat(stuck.state()).isEqualTo(DesktopState.FAILED);
    assertThat(stuck.reason())
        .isEqualTo("home volume cannot be mounted: " + MOUNT_TIMEOUT + " (kept failing for 3m0s)");
  }

  @Test
  void anAttachWarningReportedAsASeriesCountsFromItsEventTime() {
    // events.k8s.io/v1 writers fill eventTime and series, not the timestamps.
    Event attach =
        new EventBuilder(
                warning(
                    PodWarnings.ATTACH,
                    "Multi-Attach error for volume \"pvc-1\" Volume is already exclusively attached"
                        + " to one node and can't be attached to another"))
            .withFirstTimestamp(null)
            .withLastTimestamp(null)
            .withEventTime(new MicroTime("2026-12-01T10:00:00.000000Z"))
            .withNewSeries()
            .withCount(12)
            .withLastObservedTime(new MicroTime("2026-12-01T10:04:00.500000Z"))
            .endSeries()
            .build();
    assertThat(PodWarnings.lasted(attach)).isEqualTo(Duration.ofMillis(240_500));
    Observed o = observe(pod().build(), attach);
    assertThat(o.state()).isEqualTo(DesktopState.FAILED);
    assertThat(o.reason())
        .startsWith("home volume cannot be attached: Multi-Attach error")
        .endsWith("(kept failing for 4m0s)");
  }

  @Test
  void warningsOfAnEarlierPodOfTheDesktopAreIgnored() {
    Observed o =
        observe(
            pod().build(),
            warning(PodWarnings.SANDBOX, HANDLER_MISSING, "pod-uid-1", T0, T0),
            warning(PodWarnings.MOUNT, MOUNT_TIMEOUT, "pod-uid-1", T0, T0.plus(THRESHOLD)));
    assertThat(o).isEqualTo(new Observed(DesktopState.STARTING, "node-b", null));
  }

  @Test
  void normalEventsAndOtherReasonsChangeNothing() {
    Event pulled =
        new EventBuilder(warning("Pulled", "Successfully pulled image")).withType("Normal").build();
    Event normalMount =
        new EventBuilder(warning(PodWarnings.MOUNT, "x")).withType("Normal").build();
    Event other = warning("FailedPreStopHook", "hook failed");
    assertThat(observe(pod().build(), pulled, normalMount, other))
        .isEqualTo(new Observed(DesktopState.STARTING, "node-b", null));
  }

  @Test
  void aTerminalWarningWinsAndAmongEqualsTheMostRecentIsShown() {
    Event mount = warning(PodWarnings.MOUNT, "older", UID, T0, T0.plusSeconds(5));
    Event attach = warning(PodWarnings.ATTACH, "newer", UID, T0, T0.plusSeconds(9));
    assertThat(observe(pod().build(), mount, attach).reason())
        .isEqualTo("home volume cannot be attached: newer");
    Event sandbox = warning(PodWarnings.SANDBOX, HANDLER_MISSING, UID, T0, T0);
    assertThat(observe(pod().build(), mount, sandbox, attach).state())
        .isEqualTo(DesktopState.FAILED);
  }

  @Test
  void whatThePodIsPastNoLongerCounts() {
    // Ready wins over any warning.
    Pod ready =
        pod()
            .withStatus(
                new PodStatusBuilder()
                    .withPhase("Running")
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .endCondition()
                    .build())
            .build();
    assertThat(observe(ready, warning(PodWarnings.SANDBOX, HANDLER_MISSING)).state())
        .isEqualTo(DesktopState.RUNNING);
    // The sandbox runs with its volumes mounted: an earlier mount warning is history.
    Pod sandboxUp =
        pod()
            .withStatus(
                new PodStatusBuilder()
                    .withPhase("Pending")
                    .addNewCondition()
                    .withType("PodReadyToStartContainers")
                    .withStatus("True")
                    .endCondition()
                    .build())
            .build();
    assertThat(observe(sandboxUp, warning(PodWarnings.MOUNT, MOUNT_TIMEOUT)).reason()).isNull();
    // Bound to a node: the scheduler's complaint is history.
    assertThat(observe(pod().build(), warning(PodWarnings.SCHEDULING, "0/2 nodes")).state())
        .isEqualTo(DesktopState.STARTING);
  }

  static Pod unscheduled(String conditionMessage) {
    return pod()
        .editSpec()
        .withNodeName(null)
        .endSpec()
        .withStatus(
            new PodStatusBuilder()
                .withPhase("Pending")
                .addNewCondition()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage(conditionMessage)
                .endCondition()
                .build())
        .build();
  }

  @Test
  void theSchedulersEventGivesTheReasonWhenThePodConditionHasNone() {
    String message = "0/2 nodes are available: 2 Insufficient memory.";
    Observed o = observe(unscheduled(null), warning(PodWarnings.SCHEDULING, message));
    assertThat(o)
        .isEqualTo(new Observed(DesktopState.FAILED, "node-a", "unschedulable: " + message));
    assertThat(observe(unscheduled(""), new Event[0]).reason())
        .isEqualTo("unschedulable: no node fits");
    // The event alone (the condition not yet seen) fails it the same way.
    assertThat(
            observe(
                pod().editSpec().withNodeName(null).endSpec().build(),
                warning(PodWarnings.SCHEDULING, message)))
        .isEqualTo(new Observed(DesktopState.FAILED, "node-a", "unschedulable: " + message));
  }

  @Test
  void aPodWaitingForItsVolumeToBeBoundIsStillStarting() {
    String message =
        "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption:"
            + " 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";
    assertThat(observe(unscheduled(message)))
        .isEqualTo(
            new Observed(
                DesktopState.STARTING, "node-a", "waiting for the home volume: " + message));
    Observed stuck =
        observe(
            unscheduled(message),
            warning(PodWarnings.SCHEDULING, message, UID, T0, T0.plusSeconds(200)));
    assertThat(stuck.state()).isEqualTo(DesktopState.FAILED);
    assertThat(stuck.reason()).endsWith("(kept failing for 3m20s)");
  }

  @Test
  void onlyWarningsAboutDesktopPodsInTheNamespaceConcernDesktops() {
    String ns = "opencdi-desktops";
    assertThat(PodWarnings.concernsDesktop(warning(PodWarnings.MOUNT, "x"), ns)).isTrue();
    assertThat(PodWarnings.concernsDesktop(warning(PodWarnings.MOUNT, "x"), "other")).isFalse();
    assertThat(PodWarnings.concernsDesktop(warning("BackOff", "x"), ns)).isFalse();
    Event normal = new EventBuilder(warning(PodWarnings.MOUNT, "x")).withType("Normal").build();
    assertThat(PodWarnings.concernsDesktop(normal, ns)).isFalse();
    Event otherPod =
        new EventBuilder(warning(PodWarnings.MOUNT, "x"))
            .editInvolvedObject()
            .withName("postgres-0")
            .endInvolvedObject()
            .build();
    assertThat(PodWarnings.concernsDesktop(otherPod, ns)).isFalse();
    Event claim =
        new EventBuilder(warning(PodWarnings.MOUNT, "x"))
            .editInvolvedObject()
            .withKind("PersistentVolumeClaim")
            .withName("desktop-d1-home")
            .endInvolvedObject()
            .build();
    assertThat(PodWarnings.concernsDesktop(claim, ns)).isFalse();
  }

  @Test
  void durationsReadAsKubectlPrintsThem() {
    assertThat(PodWarnings.format(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(PodWarnings.format(Duration.ofSeconds(180))).isEqualTo("3m0s");
    assertThat(PodWarnings.format(Duration.ofMillis(190_900))).isEqualTo("3m10s");
  }
}
