package io.opencdi.placement.bench;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Snapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The fleet of the performance targets: 100 clusters × 200 node groups, seeded so every run sees
 * the same one. Mixed like a real estate: 5 regions × 3 zones, arm64 groups in a quarter of the
 * clusters, gVisor on most, images cached on half, node groups 20–60 % used, and a few clusters
 * cordoned, not ready or with a stale heartbeat.
 */
final class BenchFleet {

  static final int CLUSTERS = 100;
  static final int NODE_GROUPS = 200;
  static final long NOW = 1_700_000_000_000L;
  static final String IMAGE = "desktop-xfce:1";

  private BenchFleet() {}

  static Snapshot snapshot(long seed) {
    return snapshot(seed, CLUSTERS);
  }

  /** The same kind of fleet with {@code clusterCount} clusters of 200 node groups. */
  static Snapshot snapshot(long seed, int clusterCount) {
    Random random = new Random(seed);
    List<ClusterState> clusters = new ArrayList<>(clusterCount);
    for (int c = 0; c < clusterCount; c++) {
      List<NodeGroup> groups = new ArrayList<>(NODE_GROUPS);
      for (int g = 0; g < NODE_GROUPS; g++) {
        long cpu = (16 + 16L * random.nextInt(4)) * 1000;
        long memory = (64 + 64L * random.nextInt(4)) * 1024;
        int slots = 32 + random.nextInt(80);
        double load = 0.2 + 0.4 * random.nextDouble();
        groups.add(
            new NodeGroup(
                "ng-" + g,
                c % 4 == 0 && g % 4 == 0 ? "arm64" : "amd64",
                cpu,
                memory,
                slots,
                (long) (cpu * load),
                (long) (memory * load),
                (int) (slots * load)));
      }
      Set<String> runtimes = new HashSet<>(Set.of("runc"));
      if (random.nextInt(10) < 8) {
        runtimes.add("gvisor");
      }
      if (random.nextInt(10) < 3) {
        runtimes.add("kata");
      }
      clusters.add(
          new ClusterState(
              "cluster-" + c,
              "cluster-" + c,
              region(c % 5),
              zone(c % 5, c % 3),
              c != 7,
              c == 11 ? NOW - 600_000 : NOW - random.nextInt(20_000),
              c == 3 || c == 42,
              runtimes,
              random.nextInt(10) < 9 ? Set.of("ceph-rbd", "local-path") : Set.of("local-path"),
              random.nextBoolean() ? Set.of(IMAGE, "desktop-kde:1") : Set.of("desktop-kde:1"),
              groups));
    }
    return new Snapshot(clusters, NOW, 60_000);
  }

  /** Desktops of users spread over the regions; half have a home volume somewhere. */
  static List<DesktopRequest> requests(int count, long seed) {
    Random random = new Random(seed);
    List<DesktopRequest> requests = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int region = random.nextInt(5);
      DesktopRequest.Builder builder =
          DesktopRequest.builder(
                  "user-" + i, 1000L * (1 + random.nextInt(2)), 2048L * (1 + random.nextInt(2)))
              .runtimeClass("gvisor")
              .storageClass("ceph-rbd")
              .image(IMAGE)
              .region(region(region))
              .zone(zone(region, random.nextInt(3)));
      if (random.nextBoolean()) {
        builder.homeClusterId("cluster-" + random.nextInt(CLUSTERS));
      }
      requests.add(builder.build());
    }
    return requests;
  }

  private static String region(int r) {
    return "region-" + r;
  }

  private static String zone(int r, int z) {
    return "region-" + r + "-" + (char) ('a' + z);
  }
}
