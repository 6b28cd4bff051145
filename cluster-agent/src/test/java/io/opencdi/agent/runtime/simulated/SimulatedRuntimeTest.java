package io.opencdi.agent.runtime.simulated;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.FAILED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static io.opencdi.protocol.DesktopState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.NodeGroupReport;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimulatedRuntimeTest {
  private static final Fleet FLEET =
      FleetFile.parse(
          """
          failImages: ["opencdi/broken:*"]
          clusters:
            - name: bj-1
              region: cn-north
              runtimeClasses: [runc, gvisor]
              nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
            - name: tiny
              region: cn-east
              nodes: { count: 1, cpuMillis: 2000, memoryMiB: 4096 }
          """,
          "test");

  private static final Latencies FAST =
      new Latencies(
          Duration.ofMillis(20),
          Duration.ofMillis(60),
          Duration.ofMillis(5),
          Duration.ofMillis(20));

  private final Recorder events = new Recorder();
  private SimulatedRuntime runtime;

  @AfterEach
  void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private SimulatedRuntime runtime(Latencies latencies) {
    runtime = new SimulatedRuntime(FLEET, latencies);
    runtime.addListener(events);
    return runtime;
  }

  @Test
  void startGoesThroughStartingToRunningAfterTheLatency() {
    runtime(
        new Latencies(
            Duration.ofMillis(150),
            Duration.ofMillis(200),
            Duration.ofMillis(5),
            Duration.ofMillis(5)));

    assertThat(runtime.start(spec("d1", "bj-1-node-001"))).isEqualTo(Admission.accept());

    assertThat(events.states("d1")).containsExactly(STARTING);
    awaitState("d1", RUNNING);
    DesktopStatus starting = events.first("d1", STARTING);
    DesktopStatus running = events.first("d1", RUNNING);
    assertThat(running.observedAtEpochMillis() - starting.observedAtEpochMillis())
        .isGreaterThanOrEqualTo(150);
    assertThat(running.cluster()).isEqualTo("bj-1");
    assertThat(running.node()).isEqualTo("bj-1-node-001");
    assertThat(runtime.inventory()).containsExactly(running);
  }

  @Test
  void stopKeepsTheDesktopAndFreesItsCapacity() {
    runtime(FAST);
    runtime.start(tinySpec("d1"));
    awaitState("d1", RUNNING);

    runtime.start(tinySpec("d2"));
    awaitState("d2", FAILED);
    assertThat(events.last("d2").reason())
        .isEqualTo(
            "node tiny-node-001 has no room for desktop d2: it needs 2000m CPU and 4096 MiB,"
                + " the node has 0m and 0 MiB free and 109 desktop slots");

    runtime.stop(tinySpec("d1"));
    awaitState("d1", STOPPED);
    assertThat(events.states("d1")).containsExactly(STARTING, RUNNING, STOPPING, STOPPED);
    assertThat(runtime.inventory())
        .extracting(DesktopStatus::desktopId, DesktopStatus::state)
        .contains(Tuple.tuple("d1", STOPPED));

    runtime.start(tinySpec("d2"));
    awaitState("d2", RUNNING);
  }

  @Test
  void deleteRemovesTheDesktopAndUnknownDesktopsAreDeletedToo() {
    runtime(FAST);
    runtime.start(spec("d1", "bj-1-node-001"));
    awaitState("d1", RUNNING);

    assertThat(runtime.delete("bj-1", "d1").accepted()).isTrue();
    awaitState("d1", DELETED);
    assertThat(runtime.inventory()).isEmpty();
    assertThat(events.states("d1")).containsExactly(STARTING, RUNNING, DELETED);

    assertThat(runtime.delete("bj-1", "never-seen").accepted()).isTrue();
    assertThat(events.states("never-seen")).containsExactly(DELETED);
  }

  @Test
  void snapshotsBecomeReadyAndRestoreNewDesktopsInTheirCluster() {
    runtime(FAST);
    SnapshotSpec snap = new SnapshotSpec("s1", "before", "d1", "bj-1");
    assertThat(runtime.snapshot(snap).reason()).isEqualTo("cluster bj-1 has no desktop d1");
    runtime.start(spec("d1", "bj-1-node-001"));
    awaitState("d1", RUNNING);

    assertThat(runtime.snapshot(snap).accepted()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> events.snapshotStates("s1").size() == 2);
    assertThat(events.snapshotStates("s1"))
        .containsExactly(SnapshotState.PENDING, SnapshotState.READY);
    SnapshotStatus ready = events.snapshots.stream().reduce((a, b) -> b).orElseThrow();
    assertThat(ready.sizeBytes()).isEqualTo(10L << 30); // the whole 10 GiB volume
    assertThat(ready.desktopId()).isEqualTo("d1");
    assertThat(ready.cluster()).isEqualTo("bj-1");
    // Repeated: re-reported, nothing new.
    assertThat(runtime.snapshot(snap).accepted()).isTrue();
    assertThat(events.snapshotStates("s1"))
        .containsExactly(SnapshotState.PENDING, SnapshotState.READY, SnapshotState.READY);

    DesktopSpec restored = restoreOf(spec("d2", "bj-1-node-002"), "s1");
    assertThat(runtime.start(restored).accepted()).isTrue();
    awaitState("d2", RUNNING);
    // A snapshot lives in its cluster: another cluster cannot restore it.
    DesktopSpec elsewhere = restoreOf(tinySpec("d3"), "s1");
    assertThat(runtime.start(elsewhere).reason()).isEqualTo("cluster tiny has no snapshot s1");
    assertThat(runtime.deleteSnapshot("tiny", "s1").reason())
        .isEqualTo("snapshot s1 is not in cluster tiny");

    // It outlives its desktop, until it is deleted.
    runtime.delete("bj-1", "d1");
    awaitState("d1", DELETED);
    assertThat(runtime.deleteSnapshot("bj-1", "s1").accepted()).isTrue();
    assertThat(events.snapshotStates("s1")).last().isEqualTo(SnapshotState.DELETED);
    assertThat(runtime.start(restoreOf(spec("d4", "bj-1-node-001"), "s1")).reason())
        .isEqualTo("cluster bj-1 has no snapshot s1");
    assertThat(runtime.deleteSnapshot("bj-1", "s1").accepted()).isTrue();
    assertThat(runtime.snapshot(new SnapshotSpec("s2", "x", "d2", "nowhere")).accepted()).isFalse();
  }

  private static DesktopSpec restoreOf(DesktopSpec s, String snapshotId) {
    return new DesktopSpec(
        s.id(),
        s.name(),
        s.owner(),
        s.cluster(),
        s.node(),
        s.image(),
        s.cpuMillis(),
        s.memoryMiB(),
        s.runtimeClass(),
        s.storageClass(),
        s.homeVolumeGiB(),
        s.power(),
        snapshotId);
  }

  @Test
  void repeatedCommandsChangeNothingAndReportTheCurrentState() {
    runtime(FAST);
    runtime.start(spec("d1", "bj-1-node-001"));
    awaitState("d1", RUNNING);

    assertThat(runtime.start(spec("d1", "bj-1-node-001")).accepted()).isTrue();
    assertThat(events.states("d1")).containsExactly(STARTING, RUNNING, RUNNING);

    runtime.stop(spec("d1", "bj-1-node-001"));
    runtime.stop(spec("d1", "bj-1-node-001"));
    awaitState("d1", STOPPED);
    runtime.stop(spec("d1", "bj-1-node-001"));
    assertThat(events.states("d1"))
        .containsExactly(STARTING, RUNNING, RUNNING, STOPPING, STOPPING, STOPPED, STOPPED);

    // A desktop the gateway knows as powered off but this runtime never saw (agent restart).
    runtime.stop(spec("d2", "bj-1-node-002"));
    assertThat(events.states("d2")).containsExactly(STOPPED);
    assertThat(runtime.inventory()).hasSize(2);
  }

  @Test
  void neverOvercommitsANodeUnderConcurrentStarts() throws Exception {
    runtime(FAST);
    int room = 8; // 16000m / 2000m
    int attempts = 40;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Admission>> admissions = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      DesktopSpec spec = spec("c" + i, "bj-1-node-002");
      admissions.add(
          pool.submit(
              () -> {
                go.await();
                return runtime.start(spec);
              }));
    }
    go.countDown();
    for (Future<Admission> admission : admissions) {
      assertThat(admission.get().accepted()).isTrue();
    }
    pool.shutdown();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                runtime.inventory().stream()
                    .allMatch(s -> s.state() == RUNNING || s.state() == FAILED));
    List<DesktopStatus> inventory = runtime.inventory();
    assertThat(inventory).hasSize(attempts);
    assertThat(inventory).filteredOn(s -> s.state() == RUNNING).hasSize(room);
    assertThat(inventory)
        .filteredOn(s -> s.state() == FAILED)
        .hasSize(attempts - room)
        .allSatisfy(s -> assertThat(s.reason()).startsWith("node bj-1-node-002 has no room"));
  }

  @Test
  void imagesListedInFailImagesFailToPullAndReleaseTheirCapacity() {
    runtime(FAST);
    DesktopSpec broken =
        new DesktopSpec(
            "b1",
            "b1",
            "alice",
            "tiny",
            "tiny-node-001",
            "opencdi/broken:1",
            2000,
            4096,
            null,
            null,
            10,
            Power.ON);

    runtime.start(broken);
    awaitState("b1", FAILED);

    assertThat(events.states("b1")).containsExactly(STARTING, FAILED);
    assertThat(events.last("b1").reason()).startsWith("image pull failed: opencdi/broken:1");
    runtime.start(tinySpec("d1"));
    awaitState("d1", RUNNING);
  }

  @Test
  void refusesWhatCanNeverRunHere() {
    runtime(FAST);

    assertThat(runtime.start(base("d1", "bj-1-node-001").withCluster("nowhere").toSpec()).reason())
        .startsWith("unknown cluster nowhere; this agent serves bj-1, tiny");
    assertThat(runtime.start(spec("d1", "bj-1-node-999")).reason())
        .isEqualTo("cluster bj-1 has no node bj-1-node-999");
    assertThat(
            runtime.start(base("d1", "bj-1-node-001").withRuntimeClass("kata").toSpec()).reason())
        .isEqualTo("cluster bj-1 has no runtime class kata (it has runc, gvisor)");
    assertThat(runtime.start(base("d1", "bj-1-node-001").withCpu(32_000).toSpec()).reason())
        .startsWith("desktop d1 would not fit on node bj-1-node-001 even when it is empty");
    assertThat(runtime.inventory()).isEmpty();
    assertThat(events.statuses).isEmpty();
  }

  @Test
  void reportsEveryNodeAndSignalsCapacityChanges() {
    runtime(FAST);
    assertThat(runtime.clusters()).extracting(c -> c.name()).containsExactly("bj-1", "tiny");
    assertThat(runtime.cluster("bj-1").orElseThrow().nodeGroups())
        .extracting(NodeGroupReport::name)
        .containsExactly("bj-1-node-001", "bj-1-node-002");

    runtime.start(spec("d1", "bj-1-node-001"));
    assertThat(events.capacity).containsExactly("bj-1");
    awaitState("d1", RUNNING);
    runtime.stop(spec("d1", "bj-1-node-001"));
    awaitState("d1", STOPPED);
    assertThat(events.capacity).containsExactly("bj-1", "bj-1");

    runtime.setExternalUsage("tiny", "tiny-node-001", 1500, 1024);
    assertThat(events.capacity).containsExactly("bj-1", "bj-1", "tiny");
    assertThat(runtime.cluster("tiny").orElseThrow().nodeGroups().get(0))
        .isEqualTo(new NodeGroupReport("tiny-node-001", "amd64", 2000, 4096, 110, 1500, 1024));
    runtime.start(tinySpec("d2"));
    awaitState("d2", FAILED);

    runtime.setReady("tiny", false);
    assertThat(runtime.isReady("tiny")).isFalse();
    assertThat(runtime.isReady("bj-1")).isTrue();
  }

  // --- helpers

  private void awaitState(String desktop, DesktopState state) {
    await().atMost(Duration.ofSeconds(5)).until(() -> events.states(desktop).contains(state));
  }

  private static DesktopSpec spec(String id, String node) {
    return base(id, node).toSpec();
  }

  private static TestSpec base(String id, String node) {
    return new TestSpec(id, "bj-1", node, "opencdi/desktop-xfce:0.1", 2000, 4096, "gvisor");
  }

  private static DesktopSpec tinySpec(String id) {
    return new TestSpec(id, "tiny", "tiny-node-001", "opencdi/desktop-xfce:0.1", 2000, 4096, null)
        .toSpec();
  }

  /** A spec with the few fields these tests vary. */
  private record TestSpec(
      String id,
      String cluster,
      String node,
      String image,
      long cpuMillis,
      long memoryMiB,
      String runtimeClass) {
    TestSpec withCluster(String value) {
      return new TestSpec(id, value, node, image, cpuMillis, memoryMiB, runtimeClass);
    }

    TestSpec withRuntimeClass(String value) {
      return new TestSpec(id, cluster, node, image, cpuMillis, memoryMiB, value);
    }

    TestSpec withCpu(long value) {
      return new TestSpec(id, cluster, node, image, value, memoryMiB, runtimeClass);
    }

    DesktopSpec toSpec() {
      return new DesktopSpec(
          id,
          id,
          "alice",
          cluster,
          node,
          image,
          cpuMillis,
          memoryMiB,
          runtimeClass,
          "longhorn",
          10,
          Power.ON);
    }
  }

  /** Records what the runtime reports, in order. */
  private static final class Recorder implements RuntimeListener {
    final Queue<DesktopStatus> statuses = new ConcurrentLinkedQueue<>();
    final Queue<String> capacity = new ConcurrentLinkedQueue<>();
    final Queue<SnapshotStatus> snapshots = new ConcurrentLinkedQueue<>();

    @Override
    public void statusChanged(DesktopStatus status) {
      statuses.add(status);
    }

    @Override
    public void snapshotChanged(SnapshotStatus status) {
      snapshots.add(status);
    }

    List<SnapshotState> snapshotStates(String snapshot) {
      return snapshots.stream()
          .filter(s -> s.snapshotId().equals(snapshot))
          .map(SnapshotStatus::state)
          .toList();
    }

    @Override
    public void capacityChanged(String cluster) {
      capacity.add(cluster);
    }

    List<DesktopState> states(String desktop) {
      return statuses.stream()
          .filter(s -> s.desktopId().equals(desktop))
          .map(DesktopStatus::state)
          .toList();
    }

    DesktopStatus first(String desktop, DesktopState state) {
      return statuses.stream()
          .filter(s -> s.desktopId().equals(desktop) && s.state() == state)
          .findFirst()
          .orElseThrow();
    }

    DesktopStatus last(String desktop) {
      return statuses.stream()
          .filter(s -> s.desktopId().equals(desktop))
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }
}
