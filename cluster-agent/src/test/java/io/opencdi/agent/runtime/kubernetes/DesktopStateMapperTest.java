package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceStatus;
import io.opencdi.protocol.DesktopState;
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
    Observed ready =
        on(
            new PodStatusBuilder()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .build());
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
}
