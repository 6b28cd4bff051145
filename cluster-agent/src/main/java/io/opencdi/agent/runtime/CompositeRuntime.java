package io.opencdi.agent.runtime;

import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.SnapshotSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Several runtimes behind one agent, for example the simulated fleet beside the real {@code local}
 * cluster ({@code opencdi.agent.runtime=simulated,local}). Every cluster belongs to exactly one
 * runtime; commands are routed by cluster name, reports and listeners are merged.
 */
public final class CompositeRuntime implements DesktopRuntime {
  private final List<DesktopRuntime> runtimes;
  private final Map<String, DesktopRuntime> byCluster = new LinkedHashMap<>();

  /**
   * @throws IllegalStateException when two runtimes serve a cluster of the same name
   */
  public CompositeRuntime(List<DesktopRuntime> runtimes) {
    this.runtimes = List.copyOf(runtimes);
    for (DesktopRuntime runtime : this.runtimes) {
      for (ClusterReport cluster : runtime.clusters()) {
        DesktopRuntime other = byCluster.putIfAbsent(cluster.name(), runtime);
        if (other != null) {
          throw new IllegalStateException(
              "cluster "
                  + cluster.name()
                  + " is served by both the "
                  + other.kind()
                  + " and the "
                  + runtime.kind()
                  + " runtime; rename one of them");
        }
      }
    }
  }

  /** The kinds of the runtimes, comma-separated ({@code simulated,local}). */
  @Override
  public String kind() {
    return runtimes.stream().map(DesktopRuntime::kind).collect(Collectors.joining(","));
  }

  @Override
  public List<ClusterReport> clusters() {
    List<ClusterReport> all = new ArrayList<>();
    runtimes.forEach(r -> all.addAll(r.clusters()));
    return all;
  }

  @Override
  public Optional<ClusterReport> cluster(String name) {
    return route(name).flatMap(r -> r.cluster(name));
  }

  @Override
  public boolean isReady(String cluster) {
    return route(cluster).map(r -> r.isReady(cluster)).orElse(false);
  }

  @Override
  public List<DesktopStatus> inventory() {
    List<DesktopStatus> all = new ArrayList<>();
    runtimes.forEach(r -> all.addAll(r.inventory()));
    return all;
  }

  @Override
  public Admission start(DesktopSpec spec) {
    return spec == null
        ? Admission.refuse("desktop id is missing")
        : route(spec.cluster()).map(r -> r.start(spec)).orElseGet(() -> unknown(spec.cluster()));
  }

  @Override
  public Admission stop(DesktopSpec spec) {
    return spec == null
        ? Admission.refuse("desktop id is missing")
        : route(spec.cluster()).map(r -> r.stop(spec)).orElseGet(() -> unknown(spec.cluster()));
  }

  @Override
  public Admission delete(String cluster, String desktopId) {
    return route(cluster).map(r -> r.delete(cluster, desktopId)).orElseGet(() -> unknown(cluster));
  }

  @Override
  public Admission snapshot(SnapshotSpec snapshot) {
    return snapshot == null
        ? Admission.refuse("snapshot is missing")
        : route(snapshot.cluster())
            .map(r -> r.snapshot(snapshot))
            .orElseGet(() -> unknown(snapshot.cluster()));
  }

  @Override
  public Admission deleteSnapshot(String cluster, String snapshotId) {
    return route(cluster)
        .map(r -> r.deleteSnapshot(cluster, snapshotId))
        .orElseGet(() -> unknown(cluster));
  }

  @Override
  public Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    return route(cluster).flatMap(r -> r.display(cluster, desktopId));
  }

  @Override
  public void watermark(String cluster, String desktopId, String text) {
    route(cluster).ifPresent(r -> r.watermark(cluster, desktopId, text));
  }

  @Override
  public Optional<DesktopAudio> audio(String cluster, String desktopId) {
    return route(cluster).flatMap(r -> r.audio(cluster, desktopId));
  }

  @Override
  public Optional<DesktopFiles> files(String cluster, String desktopId) {
    return route(cluster).flatMap(r -> r.files(cluster, desktopId));
  }

  @Override
  public Optional<DesktopFiles> files(String cluster, String desktopId, FileOpen.Folder folder) {
    return route(cluster).flatMap(r -> r.files(cluster, desktopId, folder));
  }

  @Override
  public LiveReport live(LiveQuery query) {
    return route(query.cluster())
        .map(r -> r.live(query))
        .orElseGet(() -> LiveReport.failed(query, unknown(query.cluster()).reason()));
  }

  @Override
  public void addListener(RuntimeListener listener) {
    runtimes.forEach(r -> r.addListener(listener));
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (DesktopRuntime runtime : runtimes) {
      try {
        runtime.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The runtimes, in configuration order. */
  public List<DesktopRuntime> runtimes() {
    return runtimes;
  }

  private Optional<DesktopRuntime> route(String cluster) {
    return Optional.ofNullable(cluster == null ? null : byCluster.get(cluster));
  }

  private Admission unknown(String cluster) {
    String served =
        byCluster.keySet().stream().limit(5).collect(Collectors.joining(", "))
            + (byCluster.size() > 5 ? ", … (" + byCluster.size() + " clusters)" : "");
    return Admission.refuse("unknown cluster " + cluster + "; this agent serves " + served);
  }
}
