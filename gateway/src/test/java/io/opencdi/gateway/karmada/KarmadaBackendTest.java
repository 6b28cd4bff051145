package io.opencdi.gateway.karmada;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The karmada placement backend against a Karmada API server (fabric8's mock in CRUD mode): member
 * clusters come from Karmada's Cluster objects, desktops go out as a Desktop plus a
 * PropagationPolicy, and their states come back from the Desktop's status. The user creates,
 * powers, restores and deletes desktops through the GraphQL API; the test plays Karmada's
 * controllers and the member's agent by writing Cluster and Desktop status. Each test has member
 * clusters of its own, which leave Karmada again after it, so none depends on what another left
 * behind (one Karmada API server serves the whole class).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(value = KarmadaMockResource.class, restrictToAnnotatedClass = true)
class KarmadaBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Inject KarmadaBackend backend;
  @Inject Pool pool;

  private KarmadaMock karmada;
  private String admin;
  private String alice;
  // This test's member clusters: unique names, so that no other test's desktops count on them.
  private final String n = UUID.randomUUID().toString().substring(0, 8);
  private final String fra = "kmd-fra-" + n;
  private final String bj = "kmd-bj-" + n;
  private final String small = "kmd-small-" + n;

  // Not @BeforeAll: the HTTP port of the application under test is known only per test.
  @BeforeEach
  void fleet() {
    karmada = KarmadaMockResource.karmada();
    karmada.cluster(
        fra,
        "eu-west",
        "eu-west-1a",
        true,
        Map.of("cpu", "16", "memory", "64Gi", "pods", "110"),
        Map.of("cpu", "4", "memory", "8Gi", "pods", "10"),
        Map.of("cpu", "500m", "memory", "512Mi", "pods", "1"),
        Map.of(
            MemberCluster.RUNTIME_CLASSES_ANNOTATION, "runc,gvisor",
            MemberCluster.STORAGE_CLASSES_ANNOTATION, "longhorn"));
    // More room and in the region asked for below, but Karmada says it is not ready.
    karmada.cluster(
        bj,
        "cn-north",
        "cn-north-1a",
        false,
        Map.of("cpu", "64", "memory", "256Gi", "pods", "110"),
        Map.of(),
        Map.of(),
        Map.of(MemberCluster.RUNTIME_CLASSES_ANNOTATION, "runc,gvisor"));
    // Room for exactly two 1-CPU desktops by Karmada's figures: 4 − 1.5 = 2.5 CPUs free.
    karmada.cluster(
        small,
        "ap-south",
        "ap-south-1a",
        true,
        Map.of("cpu", "4", "memory", "8Gi", "pods", "110"),
        Map.of("cpu", "1500m", "memory", "2Gi", "pods", "3"),
        Map.of(),
        Map.of(MemberCluster.STORAGE_CLASSES_ANNOTATION, "small-disk"));
    admin = login("admin");
    alice = login("alice");
    soon()
        .untilAsserted(
            () -> {
              // With their status: the two that Karmada says are ready are ready.
              assertThat(cluster(fra)).as("Karmada's clusters reach the inventory").isNotNull();
              assertThat(cluster(fra)).containsEntry("ready", true);
              assertThat(cluster(bj)).as("Karmada's clusters reach the inventory").isNotNull();
              assertThat(cluster(small)).as("Karmada's clusters reach the inventory").isNotNull();
              assertThat(cluster(small)).containsEntry("ready", true);
            });
  }

  /** The operator takes this test's members out of Karmada: nothing is placed on them any more. */
  @AfterEach
  void unjoin() {
    for (String name : List.of(fra, bj, small)) {
      karmada.removeCluster(name);
    }
    soon()
        .untilAsserted(
            () -> {
              for (String name : List.of(fra, bj, small)) {
                assertThat(cluster(name)).containsEntry("ready", false);
              }
            });
  }

  /** Waits for the set-up: polled often, so that it costs little. */
  private static ConditionFactory soon() {
    return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
  }

  /** A desktop alice created, once the gateway has placed it and written it to Karmada. */
  private String scheduledDesktop(String template, String region) {
    JsonPath created = create(template, region);
    String id = created.getString("data.createDesktop.id");
    assertThat(id).as(created.prettify()).isNotNull();
    await().atMost(WAIT).until(() -> "SCHEDULED".equals(Desktops.state(alice, id)));
    return id;
  }

  /** Karmada's status aggregation reports {@code state} for the desktop; the gateway shows it. */
  private void reported(String id, String state) {
    karmada.desktopStatus("desktop-" + id, state, "fra-node-1", null);
    await().atMost(WAIT).until(() -> state.equals(Desktops.state(alice, id)));
  }

  private Map<String, Object> cluster(String name) {
    return run(admin, "clusters", "Clusters")
        .getMap("data.clusters.find { it.name == '" + name + "' }");
  }

  private String templateId(String name) {
    return run(admin, "templates", "Templates")
        .getString("data.templates.find { it.name == '" + name + "' }.id");
  }

  private JsonPath create(String template, String region) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId(template));
    in.put("region", region);
    return run(alice, "desktops", "CreateDesktop", "input", in);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource r) {
    return (Map<String, Object>) r.getAdditionalProperties().get("spec");
  }

  @Test
  @SuppressWarnings("unchecked")
  void karmadasClustersArePlaceableWithKarmadasFigures() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Map<String, Object> c = cluster(fra);
              assertThat(c)
                  .containsEntry("runtime", "karmada")
                  .containsEntry("region", "eu-west")
                  .containsEntry("zone", "eu-west-1a")
                  .containsEntry("ready", true);
              assertThat((List<String>) c.get("runtimeClasses")).containsExactly("runc", "gvisor");
              Map<String, Object> capacity = (Map<String, Object>) c.get("capacity");
              // allocatable 16 CPUs / 64 GiB / 110 pods; allocated + allocating 4.5 CPUs,
              // 8.5 GiB and 11 pods.
              assertThat(capacity)
                  .containsEntry("allocatableCpuMillis", 16000)
                  .containsEntry("allocatedCpuMillis", 4500)
                  .containsEntry("allocatableMemoryMiB", 65536)
                  .containsEntry("allocatedMemoryMiB", 8704)
                  .containsEntry("allocatableDesktops", 99)
                  .containsEntry("largestFreeCpuMillis", 11500);
              assertThat(cluster(bj)).containsEntry("ready", false);
            });
  }

  @Test
  void createDesktopWritesTheDesktopAndAPolicyPinnedToTheChosenCluster() {
    JsonPath created = create("xfce-gvisor", "cn-north");
    String id = created.getString("data.createDesktop.id");
    assertThat(id).as(created.prettify()).isNotNull();
    assertThat(created.getString("data.createDesktop.cluster.name"))
        .as("kmd-bj is in the region asked for but not ready; kmd-small has no gVisor")
        .isEqualTo(fra);

    GenericKubernetesResource desktop = karmada.desktop("desktop-" + id).get();
    assertThat(desktop).as("the Desktop on the Karmada API server").isNotNull();
    assertThat(desktop.getMetadata().getLabels()).containsEntry("opencdi.io/cluster", fra);
    assertThat(spec(desktop))
        .containsEntry("desktopId", id)
        .containsEntry("power", "On")
        .containsEntry("image", "opencdi/desktop-xfce:0.1")
        .containsEntry("cpuMillis", 2000)
        .containsEntry("memoryMiB", 4096)
        .containsEntry("runtimeClassName", "gvisor")
        .containsEntry("home", Map.of("sizeGiB", 10, "storageClassName", "longhorn"))
        .doesNotContainKey("node");

    GenericKubernetesResource policy = karmada.policy("desktop-" + id).get();
    assertThat(policy).as("the PropagationPolicy").isNotNull();
    assertThat(spec(policy))
        .containsEntry(
            "resourceSelectors",
            List.of(
                Map.of(
                    "apiVersion",
                    "opencdi.io/v1alpha1",
                    "kind",
                    "Desktop",
                    "namespace",
                    KarmadaMock.NS,
                    "name",
                    "desktop-" + id)))
        .containsEntry(
            "placement", Map.of("clusterAffinity", Map.of("clusterNames", List.of(fra))));
    await().atMost(WAIT).until(() -> "SCHEDULED".equals(Desktops.state(alice, id)));

    Map<String, Object> preview = new HashMap<>();
    preview.put("templateId", templateId("xfce-gvisor"));
    preview.put("region", "cn-north");
    JsonPath explained = run(alice, "placement", "PlacementPreview", "input", preview);
    assertThat(
            explained.getBoolean(
                "data.placementPreview.clusters.find { it.clusterName == '" + bj + "' }.feasible"))
        .as(explained.prettify())
        .isFalse();
  }

  @Test
  void statusComesBackAndPowerAndDeletionGoThroughKarmada() {
    String id = scheduledDesktop("xfce", "eu-west");
    String name = "desktop-" + id;

    reported(id, "STARTING");
    reported(id, "RUNNING");

    JsonPath stopped = run(alice, "desktops", "StopDesktop", "id", id);
    assertThat(stopped.getString("data.stopDesktop.state")).isEqualTo("STOPPING");
    assertThat(spec(karmada.desktop(name).get())).containsEntry("power", "Off");
    reported(id, "STOPPED");

    JsonPath started = run(alice, "desktops", "StartDesktop", "id", id);
    assertThat(started.getString("data.startDesktop.power")).as(started.prettify()).isEqualTo("ON");
    assertThat(spec(karmada.desktop(name).get())).containsEntry("power", "On");
    // The Desktop still carries the old STOPPED status: a spec change is no news.
    await().atMost(WAIT).until(() -> "SCHEDULED".equals(Desktops.state(alice, id)));
    reported(id, "RUNNING");
    assertThat(run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.cluster.name"))
        .isEqualTo(fra);

    run(alice, "desktops", "DeleteDesktop", "id", id);
    assertThat(karmada.desktop(name).get()).as("Desktop deleted on Karmada").isNull();
    assertThat(karmada.policy(name).get()).as("PropagationPolicy deleted").isNull();
    await().atMost(WAIT).until(() -> "DELETED".equals(Desktops.state(alice, id)));
  }

  @Test
  void aFailureReportedThroughKarmadaGivesTheRoomBack() {
    String id = create("xfce", "eu-west").getString("data.createDesktop.id");
    long before =
        ((Number) ((Map<?, ?>) cluster(fra).get("capacity")).get("allocatedCpuMillis")).longValue();
    karmada.desktopStatus("desktop-" + id, "FAILED", null, "image pull failed: ErrImagePull");
    await().atMost(WAIT).until(() -> "FAILED".equals(Desktops.state(alice, id)));
    assertThat(run(alice, "desktops", "Desktop", "id", id).getString("data.desktop.statusReason"))
        .contains("ErrImagePull");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        ((Number)
                                ((Map<?, ?>) cluster(fra).get("capacity"))
                                    .get("allocatedCpuMillis"))
                            .longValue())
                    .isEqualTo(before - 2000));
  }

  @Test
  void noClusterIsOverCommittedByKarmadasFigures() {
    String name = "small-disk-" + n;
    Map<String, Object> template = new HashMap<>();
    template.put("name", name);
    template.put("image", "opencdi/desktop-openbox:0.1");
    template.put("cpuMillis", 1000);
    template.put("memoryMiB", 1024);
    template.put("runtimeClass", "runc");
    template.put("storageClass", "small-disk");
    template.put("homeVolumeGiB", 1);
    JsonPath t = run(admin, "templates", "CreateTemplate", "input", template);
    assertThat(t.getString("data.createTemplate.id")).as(t.prettify()).isNotNull();

    for (int i = 0; i < 2; i++) {
      JsonPath ok = create(name, "ap-south");
      assertThat(ok.getString("data.createDesktop.cluster.name"))
          .as(ok.prettify())
          .isEqualTo(small);
    }
    JsonPath third = create(name, "ap-south");
    assertThat(errorCode(third)).as(third.prettify()).isEqualTo("UNSCHEDULABLE");
    assertThat(
            karmada.desktops().stream()
                .filter(d -> small.equals(d.getMetadata().getLabels().get("opencdi.io/cluster")))
                .count())
        .as("Desktops propagated to kmd-small")
        .isEqualTo(2);
  }

  @Test
  void karmadaUnavailableIsAClearErrorAndChangesNothing() {
    String running = scheduledDesktop("openbox-small", "eu-west");
    int desktops = run(alice, "desktops", "Desktops").getInt("data.desktops.totalCount");
    Object capacity = cluster(fra).get("capacity");
    int onKarmada = karmada.desktops().size();

    karmada.stop();
    try {
      JsonPath refused = create("openbox-small", "eu-west");
      assertThat(errorCode(refused)).as(refused.prettify()).isEqualTo("UNAVAILABLE");
      assertThat(refused.getString("errors[0].message")).contains("Karmada");
      JsonPath stop = run(alice, "desktops", "StopDesktop", "id", running);
      assertThat(errorCode(stop)).as(stop.prettify()).isEqualTo("UNAVAILABLE");
      JsonPath delete = run(alice, "desktops", "DeleteDesktop", "id", running);
      assertThat(errorCode(delete)).as(delete.prettify()).isEqualTo("UNAVAILABLE");

      assertThat(run(alice, "desktops", "Desktops").getInt("data.desktops.totalCount"))
          .isEqualTo(desktops);
      assertThat(cluster(fra).get("capacity")).as("no room kept").isEqualTo(capacity);
      JsonPath after = run(alice, "desktops", "Desktop", "id", running);
      assertThat(after.getString("data.desktop.state")).isEqualTo("SCHEDULED");
      assertThat(after.getString("data.desktop.power")).isEqualTo("ON");
    } finally {
      karmada.restart();
    }
    assertThat(karmada.desktops()).hasSize(onKarmada);
    assertThat(spec(karmada.desktop("desktop-" + running).get())).containsEntry("power", "On");
    // Back: the watch reconnects and commands work again.
    await().atMost(WAIT).until(backend::watching);
    JsonPath stop = run(alice, "desktops", "StopDesktop", "id", running);
    assertThat(stop.getString("data.stopDesktop.state")).as(stop.prettify()).isEqualTo("STOPPING");
  }

  @Test
  void aSnapshotRestoredOnAKarmadaClusterIsWrittenToKarmadaPinnedToThatCluster() {
    String source = scheduledDesktop("xfce", "eu-west");
    // Karmada's members take no snapshot commands yet: the snapshot is recorded as a member's
    // volume snapshot would be once READY.
    UUID snapshot = UUID.randomUUID();
    pool.preparedQuery(
            "insert into desktop_snapshot (id, name, desktop_id, owner_id, cluster_id, state,"
                + " size_bytes) select $1, 'before-upgrade', d.id, d.owner_id, d.cluster_id,"
                + " 'READY', 1024 from desktop d where d.id = $2")
        .execute(Tuple.of(snapshot, UUID.fromString(source)))
        .await()
        .indefinitely();

    JsonPath restored =
        run(
            alice,
            "snapshots",
            "RestoreDesktop",
            "snapshotId",
            snapshot.toString(),
            "name",
            "back");
    String id = restored.getString("data.restoreDesktop.id");
    assertThat(id).as(restored.prettify()).isNotNull();
    assertThat(restored.getString("data.restoreDesktop.cluster.name")).isEqualTo(fra);
    GenericKubernetesResource desktop = karmada.desktop("desktop-" + id).get();
    assertThat(desktop).as("the restored Desktop on the Karmada API server").isNotNull();
    assertThat(spec(desktop)).containsEntry("desktopId", id).containsEntry("power", "On");
    assertThat(karmada.policy("desktop-" + id).get()).as("its PropagationPolicy").isNotNull();
    // Acknowledged as a created desktop is: nothing waits for an agent that will never answer.
    await().atMost(WAIT).until(() -> "SCHEDULED".equals(Desktops.state(alice, id)));

    // A snapshot of a desktop on a Karmada member without a tunnel-only agent (ADR 0048) is
    // refused, not left PENDING for ever.
    reported(id, "RUNNING");
    JsonPath refused = run(alice, "snapshots", "SnapshotDesktop", "id", id, "name", "again");
    assertThat(errorCode(refused)).as(refused.prettify()).isEqualTo("INVALID_STATE");

    for (String d : List.of(id, source)) {
      run(alice, "desktops", "DeleteDesktop", "id", d);
    }
  }

  @Test
  void everyRequestTheGatewaySentIsDeclaredAndEveryDeclarationIsUsed() {
    // What a user does with a desktop, once each: create, power off, power on again, delete.
    String id = scheduledDesktop("xfce", "eu-west");
    JsonPath stopped = run(alice, "desktops", "StopDesktop", "id", id);
    assertThat(stopped.getString("data.stopDesktop.state"))
        .as(stopped.prettify())
        .isEqualTo("STOPPING");
    reported(id, "STOPPED");
    JsonPath started = run(alice, "desktops", "StartDesktop", "id", id);
    assertThat(started.getString("data.startDesktop.power")).as(started.prettify()).isEqualTo("ON");
    run(alice, "desktops", "DeleteDesktop", "id", id);
    await().atMost(WAIT).until(() -> "DELETED".equals(Desktops.state(alice, id)));

    assertThat(karmada.permissionsUsed())
        .as("%s", karmada.gatewayRequests())
        .containsExactlyInAnyOrderElementsOf(new HashSet<>(KarmadaPermissions.REQUIRED));
  }
}
