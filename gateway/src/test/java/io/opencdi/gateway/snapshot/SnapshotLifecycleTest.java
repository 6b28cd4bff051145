package io.opencdi.gateway.snapshot;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.Desktops;
import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Snapshots and restores through the API, on a fleet served by a real cluster agent: the command
 * travels over the control channel, the agent's simulated runtime takes the copy and reports it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotLifecycleTest {
  private static final String FLEET =
      """
      clusters:
        - name: snap-bj
          region: cn-north
          zone: cn-north-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
        - name: snap-fra
          region: eu-west
          zone: eu-west-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  private AgentProcess agent;
  private String alice;
  private String bob;
  private String admin;

  @BeforeEach
  void startAgent() {
    if (agent != null) {
      return;
    }
    // A simulated snapshot takes as long as a power-off: long enough to be seen PENDING.
    agent =
        AgentProcess.start(
            base.getPort(),
            PostgresResource.AGENT_TOKEN,
            FLEET,
            "snapshot-agent",
            Map.of(
                "opencdi.agent.simulated.stop-latency-min", "1500ms",
                "opencdi.agent.simulated.stop-latency-max", "1500ms"));
    admin = login("admin");
    alice = login("alice");
    bob = login("bob");
    agent.awaitReady(admin, "snap-bj", "snap-fra");
  }

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  private String runningDesktop(String token, String region) {
    return Desktops.running(
        token, Map.of("templateId", Desktops.templateId(admin, "xfce-gvisor"), "region", region));
  }

  private static void awaitReady(String token, String snapshotId) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "READY"
                    .equals(
                        run(token, "snapshots", "Snapshot", "id", snapshotId)
                            .getString("data.snapshot.state")));
  }

  private static List<Map<String, Object>> snapshotsOf(String token, String desktopId) {
    return run(token, "snapshots", "DesktopSnapshots", "id", desktopId)
        .getList("data.desktop.snapshots");
  }

  @Test
  void aSnapshotBecomesReadyAndRestoresANewDesktopInItsCluster() {
    String source = runningDesktop(alice, "cn-north");

    JsonPath taken =
        run(alice, "snapshots", "SnapshotDesktop", "id", source, "name", "before upgrade");
    String snapshotId = taken.getString("data.snapshotDesktop.id");
    assertThat(snapshotId).as(taken.prettify()).isNotNull();
    assertThat(taken.getString("data.snapshotDesktop.state")).isEqualTo("PENDING");
    assertThat(taken.getString("data.snapshotDesktop.desktopId")).isEqualTo(source);
    // Only a complete copy can be restored.
    JsonPath early = run(alice, "snapshots", "RestoreDesktop", "snapshotId", snapshotId);
    assertThat(errorCode(early)).as(early.prettify()).isEqualTo("INVALID_STATE");

    awaitReady(alice, snapshotId);
    JsonPath ready = run(alice, "snapshots", "Snapshot", "id", snapshotId);
    // The simulated volume is the template's whole 10 GiB.
    assertThat(ready.getLong("data.snapshot.sizeBytes")).isEqualTo(10L << 30);
    assertThat(snapshotsOf(alice, source))
        .singleElement()
        .satisfies(s -> assertThat(s.get("name")).isEqualTo("before upgrade"));

    JsonPath restored =
        run(alice, "snapshots", "RestoreDesktop", "snapshotId", snapshotId, "name", "copy");
    String copy = restored.getString("data.restoreDesktop.id");
    assertThat(copy).as(restored.prettify()).isNotNull().isNotEqualTo(source);
    assertThat(restored.getString("data.restoreDesktop.name")).isEqualTo("copy");
    assertThat(restored.getString("data.restoreDesktop.cluster.name")).isEqualTo("snap-bj");
    Desktops.awaitState(alice, copy, "RUNNING");
    // A name defaults to the snapshot's.
    JsonPath unnamed = run(alice, "snapshots", "RestoreDesktop", "snapshotId", snapshotId);
    assertThat(unnamed.getString("data.restoreDesktop.name")).isEqualTo("before upgrade");
    assertThat(unnamed.getString("data.restoreDesktop.cluster.name")).isEqualTo("snap-bj");

    // Deleting: DELETING until the agent confirms, then gone; the desktops stay.
    JsonPath deleting = run(alice, "snapshots", "DeleteSnapshot", "id", snapshotId);
    assertThat(deleting.getString("data.deleteSnapshot.state")).isEqualTo("DELETING");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "NOT_FOUND"
                    .equals(errorCode(run(alice, "snapshots", "Snapshot", "id", snapshotId))));
    assertThat(snapshotsOf(alice, source)).isEmpty();
    assertThat(errorCode(run(alice, "snapshots", "RestoreDesktop", "snapshotId", snapshotId)))
        .isEqualTo("NOT_FOUND");
    assertThat(Desktops.state(alice, copy)).isEqualTo("RUNNING");
    assertThat(Desktops.state(alice, source)).isEqualTo("RUNNING");
  }

  @Test
  void aSnapshotOutlivesItsDesktopAndStillNamesIt() {
    String source = runningDesktop(alice, "cn-north");
    String sourceName =
        run(alice, "desktops", "Desktop", "id", source).getString("data.desktop.name");
    String snapshotId =
        run(alice, "snapshots", "SnapshotDesktop", "id", source, "name", "last-day")
            .getString("data.snapshotDesktop.id");
    awaitReady(alice, snapshotId);
    run(alice, "desktops", "DeleteDesktop", "id", source);
    Desktops.awaitState(alice, source, "DELETED");

    // The snapshot stays, and still says which desktop it copied and that it is gone.
    for (String token : List.of(alice, admin)) {
      JsonPath listed = run(token, "snapshots", "Snapshots");
      String path = "data.snapshots.find { it.id == '" + snapshotId + "' }.desktop";
      assertThat(listed.getString(path + ".id")).as(listed.prettify()).isEqualTo(source);
      assertThat(listed.getString(path + ".name")).isEqualTo(sourceName);
      assertThat(listed.getString(path + ".state")).isEqualTo("DELETED");
      assertThat(listed.getString(path + ".owner.id"))
          .isEqualTo(run(alice, "auth", "Me").getString("data.me.id"));
    }
    // It restores as a new desktop like any other.
    JsonPath restored =
        run(alice, "snapshots", "RestoreDesktop", "snapshotId", snapshotId, "name", "revived");
    String copy = restored.getString("data.restoreDesktop.id");
    assertThat(copy).as(restored.prettify()).isNotNull();
    Desktops.awaitState(alice, copy, "RUNNING");
  }

  @Test
  void anotherUsersDesktopsAndSnapshotsAreInvisibleAndUntouchable() {
    String desktop = runningDesktop(alice, "eu-west");
    String snapshotId =
        run(alice, "snapshots", "SnapshotDesktop", "id", desktop, "name", "mine")
            .getString("data.snapshotDesktop.id");

    assertThat(errorCode(run(bob, "snapshots", "SnapshotDesktop", "id", desktop, "name", "spy")))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(bob, "snapshots", "Snapshot", "id", snapshotId)))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(bob, "snapshots", "RestoreDesktop", "snapshotId", snapshotId)))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(bob, "snapshots", "DeleteSnapshot", "id", snapshotId)))
        .isEqualTo("NOT_FOUND");
    assertThat(run(bob, "snapshots", "Snapshots").getList("data.snapshots.id"))
        .doesNotContain(snapshotId);
    assertThat(errorCode(run(bob, "snapshots", "DesktopSnapshots", "id", desktop)))
        .isEqualTo("NOT_FOUND");
    assertThat(errorCode(run(null, "snapshots", "Snapshots"))).isEqualTo("UNAUTHENTICATED");

    // Nothing bob tried changed anything; an admin sees every snapshot.
    awaitReady(alice, snapshotId);
    assertThat(snapshotsOf(alice, desktop)).hasSize(1);
    assertThat(run(admin, "snapshots", "Snapshots").getList("data.snapshots.id"))
        .contains(snapshotId);
    assertThat(run(alice, "snapshots", "Snapshots").getList("data.snapshots.id"))
        .contains(snapshotId);
  }

  @Test
  void badInputIsAValidationErrorAndChangesNothing() {
    String desktop = runningDesktop(alice, "eu-west");
    assertThat(errorCode(run(alice, "snapshots", "SnapshotDesktop", "id", desktop, "name", " ")))
        .isEqualTo("VALIDATION");
    assertThat(
            errorCode(
                run(alice, "snapshots", "SnapshotDesktop", "id", desktop, "name", "x".repeat(64))))
        .isEqualTo("VALIDATION");
    assertThat(errorCode(run(alice, "snapshots", "SnapshotDesktop", "id", "nope", "name", "fine")))
        .isEqualTo("VALIDATION");
    assertThat(errorCode(run(alice, "snapshots", "RestoreDesktop", "snapshotId", "nope")))
        .isEqualTo("VALIDATION");
    assertThat(errorCode(run(alice, "snapshots", "DeleteSnapshot", "id", "nope")))
        .isEqualTo("VALIDATION");
    assertThat(snapshotsOf(alice, desktop)).isEmpty();

    String snapshotId =
        run(alice, "snapshots", "SnapshotDesktop", "id", desktop, "name", "good")
            .getString("data.snapshotDesktop.id");
    awaitReady(alice, snapshotId);
    int before =
        run(alice, "desktops", "Desktops", "first", 500).getInt("data.desktops.totalCount");
    assertThat(
            errorCode(
                run(alice, "snapshots", "RestoreDesktop", "snapshotId", snapshotId, "name", "<b>")))
        .isEqualTo("VALIDATION");
    assertThat(run(alice, "desktops", "Desktops", "first", 500).getInt("data.desktops.totalCount"))
        .isEqualTo(before);
  }

  @Test
  void aDesktopBeingDeletedCannotBeSnapshotted() {
    String desktop = runningDesktop(alice, "cn-north");
    run(alice, "desktops", "DeleteDesktop", "id", desktop);
    JsonPath r = run(alice, "snapshots", "SnapshotDesktop", "id", desktop, "name", "too late");
    assertThat(errorCode(r)).as(r.prettify()).isEqualTo("INVALID_STATE");
    assertThat(snapshotsOf(alice, desktop)).isEmpty();
  }
}
