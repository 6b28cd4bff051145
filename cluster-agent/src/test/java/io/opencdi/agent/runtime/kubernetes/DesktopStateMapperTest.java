package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceStatus;
import io.opencdi.protocol.DesktopState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pod phases, conditions and container states onto desktop states, without a server. */
class DesktopStateMapperTest {

  static Desktop desktop(DesktopResourceSpec.Power power) {
    Desktop d = new Desktop();
    d.getMetadata().setName("desktop-d1");
    d.setSpec(new DesktopResourceSpec());
    d.getSpec().desktopId = "d1";
    d.getSpec().image = "opencdi/desktop:1";
    d.getSpec().node = "node-a";
    d.getSpec().power = power;
    return d;
  }

  static Pod pod(PodStatus status) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("desktop-d1")
        .endMetadata()
        .withNewSpec()
        .withNodeName("node-b")
        .endSpec()
        .withStatus(status)
        .build();
  }

  static PodStatus readyStatus() {
    return new PodStatusBuilder()
        .withPhase("Running")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .build();
  }

  static Observed on(PodStatus status) {
    return DesktopStateMapper.observe(desktop(DesktopResourceSpec.Power.On), pod(status));
  }

  static PodStatusBuilder waiting(String reason, String message) {
    return new PodStatusBuilder()
        .withPhase("Pending")
        .addToContainerStatuses(
            new ContainerStatusBuilder()
                .withName("desktop")
                .withNewState()
                .withNewWaiting()
                .withReason(reason)
                .withMessage(message)
                .endWaiting()
                .endState()
                .build());
  }

  @Test
  void powerOnWithoutPodIsStartingOnThePlacedNode() {
    Observed o = DesktopStateMapper.observe(desktop(DesktopResourceSpec.Power.On), null);
    assertThat(o).isEqualTo(new Observed(DesktopState.STARTING, "node-a", null));
  }

  @Test
  void aRunningPodIsRunningOnlyWhenReady() {
    assertThat(on(new PodStatusBuilder().withPhase("Running").build()).state())
        .isEqualTo(DesktopState.STARTING);
    Observed ready = on(readyStatus());
    assertThat(ready).isEqualTo(new Observed(DesktopState.RUNNING, "node-b", null));
  }

  @Test
  void failuresCarryTheirReason() {
    assertThat(on(waiting("ErrImagePull", "not found").build()).reason())
        .isEqualTo("image pull failed: opencdi/desktop:1: ErrImagePull: not found");
    assertThat(on(waiting("InvalidImageName", null).build()).reason())
        .isEqualTo("image pull failed: opencdi/desktop:1: InvalidImageName");
    assertThat(on(waiting("CreateContainerConfigError", "no user 1000").build()).reason())
        .isEqualTo("container could not start: CreateContainerConfigError: no user 1000");
    assertThat(on(waiting("ContainerCreating", null).build()).state())
        .isEqualTo(DesktopState.STARTING);
    Observed crash =
        on(
            new PodStatusBuilder()
                .withPhase("Running")
                .addToContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName("desktop")
                        .withRestartCount(4)
                        .withNewState()
                        .withNewWaiting()
                        .withReason("CrashLoopBackOff")
                        .endWaiting()
                        .endState()
                        .withNewLastState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .withReason("OOMKilled")
                        .endTerminated()
                        .endLastState()
                        .build())
                .build());
    assertThat(crash.state()).isEqualTo(DesktopState.FAILED);
    assertThat(crash.reason()).isEqualTo("desktop keeps crashing: exit code 137 (OOMKilled)");
    assertThat(
            on(new PodStatusBuilder()
                    .withPhase("Failed")
                    .withReason("Evicted")
                    .withMessage("low on memory")
                    .build())
                .reason())
        .isEqualTo("pod failed: Evicted: low on memory");
    assertThat(on(new PodStatusBuilder().withPhase("Succeeded").build()).state())
        .isEqualTo(DesktopState.FAILED);
  }

  @Test
  void powerOffIsStoppingWhileThePodIsThereAndAFailureStays() {
    Desktop off = desktop(DesktopResourceSpec.Power.Off);
    assertThat(DesktopStateMapper.observe(off, pod(null)).state()).isEqualTo(DesktopState.STOPPING);
    assertThat(DesktopStateMapper.observe(off, null).state()).isEqualTo(DesktopState.STOPPED);
    off.setStatus(new DesktopResourceStatus());
    off.getStatus().state = "FAILED";
    off.getStatus().reason = "image pull failed: x";
    assertThat(DesktopStateMapper.observe(off, null))
        .isEqualTo(new Observed(DesktopState.FAILED, "node-a", "image pull failed: x"));
  }

  @Test
  void aStartThatOutlastsItsDeadlineFailsWithWhatItWaitedFor() {
    Instant created = Instant.parse("2026-12-04T10:00:00Z");
    Duration deadline = Duration.ofMinutes(10);
    Desktop on = desktop(DesktopResourceSpec.Power.On);
    Pod pending = pod(new PodStatusBuilder().withPhase("Pending").build());
    pending.getMetadata().setCreationTimestamp(created.toString());

    Observed early =
        DesktopStateMapper.observe(
            on, pending, List.of(), Duration.ofMinutes(3), deadline, created.plusSeconds(599));
    assertThat(early.state()).isEqualTo(DesktopState.STARTING);

    Observed late =
        DesktopStateMapper.observe(
            on, pending, List.of(), Duration.ofMinutes(3), deadline, created.plusSeconds(600));
    assertThat(late.state()).isEqualTo(DesktopState.FAILED);
    assertThat(late.reason()).isEqualTo("did not become ready within 10m0s");
    assertThat(late.node()).isEqualTo("node-b");

    // What the start was waiting for, when known, is part of the reason.
    Pod pulling = pod(waiting("ContainerCreating", null).build());
    pulling.getMetadata().setCreationTimestamp(created.toString());
    pulling.getMetadata().setUid("pod-uid-1");
    Event mount = new Event();
    mount.setType("Warning");
    mount.setReason("FailedMount");
    mount.setMessage("MountVolume.SetUp failed for volume \"home\"");
    mount.setInvolvedObject(
        new ObjectReferenceBuilder()
            .withKind("Pod")
            .withName("desktop-d1")
            .withUid("pod-uid-1")
            .build());
    mount.setMetadata(new ObjectMetaBuilder().withCreationTimestamp(created.toString()).build());
    mount.setLastTimestamp(created.plusSeconds(30).toString());
    Observed mounting =
        DesktopStateMapper.observe(
            on, pulling, List.of(mount), Duration.ofMinutes(3), deadline, created.plusSeconds(700));
    assertThat(mounting.state()).isEqualTo(DesktopState.FAILED);
    assertThat(mounting.reason())
        .startsWith("did not become ready within 10m0s: ")
        .contains("MountVolume.SetUp failed");

    // A ready desktop, a powered-off one and a Pod without a creation time have no deadline.
    Pod ready = pod(readyStatus());
    ready.getMetadata().setCreationTimestamp(created.toString());
    assertThat(
            DesktopStateMapper.observe(
                    on,
                    ready,
                    List.of(),
                    Duration.ofMinutes(3),
                    deadline,
                    created.plusSeconds(3600))
                .state())
        .isEqualTo(DesktopState.RUNNING);
    assertThat(
            DesktopStateMapper.observe(
                    desktop(DesktopResourceSpec.Power.Off),
                    pending,
                    List.of(),
                    Duration.ofMinutes(3),
                    deadline,
                    created.plusSeconds(3600))
                .state())
        .isEqualTo(DesktopState.STOPPING);
    assertThat(
            DesktopStateMapper.observe(
                    on,
                    pod(new PodStatusBuilder().withPhase("Pending").build()),
                    List.of(),
                    Duration.ofMinutes(3),
                    deadline,
                    created.plusSeconds(3600))
                .state())
        .isEqualTo(DesktopState.STARTING);
  }
}
