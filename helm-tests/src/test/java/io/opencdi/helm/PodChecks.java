package io.opencdi.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.regex.Pattern;

/** What every pod the charts render must have, whatever the values. */
final class PodChecks {
  /** registry/repository:tag with a version-like tag, or @sha256 digest. */
  static final Pattern PINNED_IMAGE =
      Pattern.compile(
          "^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$");

  private PodChecks() {}

  static void assertHardened(PodSpec pod) {
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("pod runAsNonRoot").isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).as("pod runAsUser").isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType())
        .as("pod seccomp")
        .isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).as("hostNetwork").isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).as("hostPID").isNotEqualTo(Boolean.TRUE);
    for (Container c : pod.getContainers()) {
      var sc = c.getSecurityContext();
      assertThat(sc).as("%s securityContext", c.getName()).isNotNull();
      assertThat(sc.getAllowPrivilegeEscalation())
          .as("%s privilege escalation", c.getName())
          .isFalse();
      assertThat(sc.getPrivileged()).as("%s privileged", c.getName()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getReadOnlyRootFilesystem()).as("%s read-only root", c.getName()).isTrue();
      assertThat(sc.getRunAsNonRoot()).as("%s runAsNonRoot", c.getName()).isTrue();
      assertThat(sc.getCapabilities().getDrop()).as("%s drops", c.getName()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).as("%s adds", c.getName()).isNullOrEmpty();
      assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      assertThat(c.getResources().getRequests())
          .as("%s requests", c.getName())
          .containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).as("%s limits", c.getName()).containsKey("memory");
    }
  }

  static void assertImage(Container c, String expected) {
    assertThat(c.getImage()).isEqualTo(expected).matches(PINNED_IMAGE).doesNotEndWith(":latest");
  }

  static void assertHttpProbe(Probe probe, String path, String port) {
    assertThat(probe).as("probe %s", path).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(port);
  }
}
