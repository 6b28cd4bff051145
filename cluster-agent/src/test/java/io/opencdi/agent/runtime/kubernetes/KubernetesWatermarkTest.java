package io.opencdi.agent.runtime.kubernetes;

import static io.opencdi.agent.runtime.kubernetes.KubernetesLayersTest.desktopContainer;
import static io.opencdi.agent.runtime.kubernetes.KubernetesLayersTest.env;
import static io.opencdi.agent.runtime.kubernetes.KubernetesLayersTest.volume;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.ID;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.NAME;
import static io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeTest.eventually;
import static io.opencdi.agent.runtime.kubernetes.MockCluster.CLUSTER;
import static io.opencdi.agent.runtime.kubernetes.MockCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A desktop Pod's watermark (ADR 0040), against fabric8's mock API server in CRUD mode: the file
 * the desktop reads is the kubelet's projection of an annotation the agent sets when a viewer
 * connects, mounted read-only, and only the agent's own desktops of its own cluster are touched.
 */
class KubernetesWatermarkTest {
  MockCluster cluster;
  KubernetesRuntime runtime;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
    cluster.node("node-a", "amd64", "16", "64Gi", 110, "opencdi/desktop-xfce:0.1");
    cluster.storageClass("longhorn");
    cluster.runtimeClass("gvisor", "250m", "128Mi");
    runtime = cluster.runtime(MockCluster.settings());
    assertThat(runtime.start(KubernetesRuntimeTest.spec()).accepted()).isTrue();
    eventually().until(() -> pod() != null);
  }

  @AfterEach
  void tearDown() {
    runtime.close();
    assertThat(ApiPermissions.REQUIRED).containsAll(cluster.permissionsUsed());
    cluster.close();
  }

  Pod pod() {
    return cluster.admin.pods().inNamespace(NS).withName(NAME).get();
  }

  String annotation() {
    Map<String, String> a = pod().getMetadata().getAnnotations();
    String v = a == null ? null : a.get(DesktopResources.WATERMARK_ANNOTATION);
    // The kubelet writes an absent annotation as an empty file, as it does an empty one.
    return v == null || v.isEmpty() ? null : v;
  }

  @Test
  void theDesktopReadsItsWatermarkFromTheAnnotationReadOnly() {
    Pod pod = pod();
    assertThat(env(pod)).containsEntry("OPENCDI_WATERMARK_FILE", "/opt/opencdi/policy/watermark");
    DownwardAPIVolumeFile item = volume(pod, "policy").getDownwardAPI().getItems().getFirst();
    assertThat(item.getPath()).isEqualTo("watermark");
    assertThat(item.getFieldRef().getFieldPath())
        .isEqualTo("metadata.annotations['opencdi.io/watermark']");
    assertThat(desktopContainer(pod).getVolumeMounts())
        .filteredOn(m -> m.getName().equals("policy"))
        .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("/opt/opencdi/policy", true));
    // No viewer yet: nothing to draw.
    assertThat(annotation()).isNull();
  }

  @Test
  void aConnectionSetsTheAnnotationAndAConnectionWithoutOneRemovesIt() {
    runtime.watermark(CLUSTER, ID, "alice on figures at {time}");
    eventually().until(() -> "alice on figures at {time}".equals(annotation()));

    runtime.watermark(CLUSTER, ID, "admin on figures at {time}");
    eventually().until(() -> "admin on figures at {time}".equals(annotation()));

    runtime.watermark(CLUSTER, ID, null);
    eventually().until(() -> annotation() == null);
  }

  @Test
  void anotherClusterOrAnIllFormedIdTouchesNothing() {
    runtime.watermark(CLUSTER, ID, "alice at {time}");
    eventually().until(() -> "alice at {time}".equals(annotation()));
    String version = pod().getMetadata().getResourceVersion();

    runtime.watermark("other-cluster", ID, "mallory");
    runtime.watermark(CLUSTER, "../" + ID, "mallory");
    runtime.watermark(CLUSTER, "0f1e2d3c-0000-4000-8000-000000000000", "mallory");

    assertThat(pod().getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(annotation()).isEqualTo("alice at {time}");
  }
}
