package io.opencdi.gateway.karmada;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a Karmada Cluster object becomes a placeable cluster. */
class MemberClusterTest {
  private static final MemberCluster.Defaults DEFAULTS =
      new MemberCluster.Defaults("amd64", List.of("runc"), List.of("longhorn"));

  private static GenericKubernetesResource cluster(
      Map<String, Object> spec, Map<String, Object> status, Map<String, String> labels) {
    GenericKubernetesResource c = new GenericKubernetesResource();
    c.setApiVersion("cluster.karmada.io/v1alpha1");
    c.setKind("Cluster");
    c.setMetadata(new ObjectMetaBuilder().withName("member-1").withLabels(labels).build());
    c.setAdditionalProperty("spec", spec);
    c.setAdditionalProperty("status", status);
    return c;
  }

  private static Map<String, Object> ready(String value, Map<String, Object> summary) {
    return Map.of(
        "conditions",
        List.of(Map.of("type", "Ready", "status", value)),
        "resourceSummary",
        summary);
  }

  @Test
  void capacityIsAllocatableMinusAllocatedMinusAllocating() {
    MemberCluster m =
        MemberCluster.of(
            cluster(
                Map.of("region", "eu-west", "zone", "eu-west-1b", "provider", "aws"),
                ready(
                    "True",
                    Map.of(
                        "allocatable", Map.of("cpu", "8", "memory", "32Gi", "pods", "110"),
                        "allocated", Map.of("cpu", "1250m", "memory", "1Gi", "pods", "12"),
                        "allocating", Map.of("cpu", "250m", "memory", "512Mi", "pods", "2"))),
                Map.of("kubernetes.io/arch", "arm64")),
            DEFAULTS);
    assertThat(m.ready()).isTrue();
    assertThat(m.region()).isEqualTo("eu-west");
    assertThat(m.zone()).isEqualTo("eu-west-1b");
    assertThat(m.provider()).isEqualTo("aws");
    assertThat(m.architecture()).isEqualTo("arm64");
    assertThat(m.cpuMillis()).isEqualTo(8000);
    assertThat(m.memoryMiB()).isEqualTo(32768);
    assertThat(m.externalCpuMillis()).isEqualTo(1500);
    assertThat(m.externalMemoryMiB()).isEqualTo(1536);
    assertThat(m.maxDesktops()).isEqualTo(96);
    assertThat(m.runtimeClasses()).containsExactly("runc");
    assertThat(m.storageClasses()).containsExactly("longhorn");
  }

  @Test
  void notReadyUnknownOrTaintedClustersTakeNoDesktops() {
    Map<String, Object> summary = Map.of("allocatable", Map.of("cpu", "8", "memory", "8Gi"));
    assertThat(MemberCluster.of(cluster(Map.of(), ready("False", summary), null), DEFAULTS).ready())
        .isFalse();
    assertThat(
            MemberCluster.of(cluster(Map.of(), ready("Unknown", summary), null), DEFAULTS).ready())
        .isFalse();
    assertThat(MemberCluster.of(cluster(Map.of(), Map.of(), null), DEFAULTS).ready())
        .as("no conditions yet")
        .isFalse();
    Map<String, Object> tainted =
        Map.of(
            "taints",
            List.of(Map.of("key", "cluster.karmada.io/not-ready", "effect", "NoSchedule")));
    assertThat(MemberCluster.of(cluster(tainted, ready("True", summary), null), DEFAULTS).ready())
        .isFalse();
  }

  @Test
  void zonesAndAnnotatedClassesAreRead() {
    GenericKubernetesResource c =
        cluster(
            Map.of("region", "cn-north", "zones", List.of("cn-north-1a", "cn-north-1b")),
            ready("True", Map.of()),
            null);
    c.getMetadata()
        .setAnnotations(
            Map.of(
                MemberCluster.RUNTIME_CLASSES_ANNOTATION, "runc, gvisor ,kata",
                MemberCluster.STORAGE_CLASSES_ANNOTATION, "longhorn-ssd"));
    MemberCluster m = MemberCluster.of(c, DEFAULTS);
    assertThat(m.zone()).isEqualTo("cn-north-1a");
    assertThat(m.runtimeClasses()).containsExactly("runc", "gvisor", "kata");
    assertThat(m.storageClasses()).containsExactly("longhorn-ssd");
    assertThat(m.cpuMillis()).as("no summary yet: no room").isZero();
  }
}
