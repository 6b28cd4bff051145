package io.opencdi.placement;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Snapshot;
import java.util.List;
import java.util.Set;

/** Readable builders for test fleets: healthy amd64 clusters unless a test says otherwise. */
public final class Fixtures {

  public static final long NOW = 1_700_000_000_000L;
  public static final long HEARTBEAT_TIMEOUT = 60_000;

  private Fixtures() {}

  /** An idle amd64 node group with room for 100 desktops. */
  public static NodeGroup group(String name, long cpuMillis, long memoryMiB) {
    return new NodeGroup(name, "amd64", cpuMillis, memoryMiB, 100, 0, 0, 0);
  }

  public static NodeGroup group(
      String name, String arch, long cpuMillis, long memoryMiB, int maxDesktops) {
    return new NodeGroup(name, arch, cpuMillis, memoryMiB, maxDesktops, 0, 0, 0);
  }

  public static ClusterBuilder cluster(String id) {
    return new ClusterBuilder(id);
  }

  public static Snapshot snapshot(ClusterState... clusters) {
    return new Snapshot(List.of(clusters), NOW, HEARTBEAT_TIMEOUT);
  }

  /** Alice asks for 1 CPU / 2 GiB with no constraints. */
  public static DesktopRequest.Builder request() {
    return DesktopRequest.builder("alice", 1000, 2048);
  }

  /** Mutable builder for {@link ClusterState}; one per test cluster. */
  public static final class ClusterBuilder {
    private final String id;
    private String region = "eu";
    private String zone = "eu-a";
    private boolean ready = true;
    private long heartbeat = NOW;
    private boolean cordoned;
    private Set<String> runtimeClasses = Set.of("runc");
    private Set<String> storageClasses = Set.of();
    private Set<String> images = Set.of();
    private List<NodeGroup> groups = List.of(group("ng-1", 16_000, 65_536));

    private ClusterBuilder(String id) {
      this.id = id;
    }

    public ClusterBuilder location(String region, String zone) {
      this.region = region;
      this.zone = zone;
      return this;
    }

    public ClusterBuilder notReady() {
      ready = false;
      return this;
    }

    public ClusterBuilder heartbeat(long epochMillis) {
      heartbeat = epochMillis;
      return this;
    }

    public ClusterBuilder cordoned() {
      cordoned = true;
      return this;
    }

    public ClusterBuilder runtimeClasses(String... names) {
      runtimeClasses = Set.of(names);
      return this;
    }

    public ClusterBuilder storageClasses(String... names) {
      storageClasses = Set.of(names);
      return this;
    }

    public ClusterBuilder images(String... names) {
      images = Set.of(names);
      return this;
    }

    public ClusterBuilder groups(NodeGroup... nodeGroups) {
      groups = List.of(nodeGroups);
      return this;
    }

    public ClusterState build() {
      return new ClusterState(
          id,
          id,
          region,
          zone,
          ready,
          heartbeat,
          cordoned,
          runtimeClasses,
          storageClasses,
          images,
          groups);
    }
  }
}
