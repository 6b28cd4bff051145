package io.opencdi.placement.scheduler;

import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.NodeGroup;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.Snapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Capacity promised to desktops that are starting but not yet reported as running, like Karmada's
 * assumed bindings and kube-scheduler's assume cache. Cluster agents report usage with a delay;
 * {@link #applyTo} subtracts what is still held from each new base snapshot, so back-to-back cycles
 * never hand out the same capacity twice. A reservation ends when the desktop runs ({@link
 * #confirm}: the agent now reports it as used), when its start fails ({@link #release}), or at its
 * TTL ({@link #expire}) if neither is ever heard.
 *
 * <p>Thread-safe.
 */
public final class AssumeCache {

  private record Reservation(
      Placement placement, long cpuMillis, long memoryMiB, long expiresAtEpochMillis) {}

  private final ConcurrentHashMap<String, Reservation> reservations = new ConcurrentHashMap<>();

  /**
   * @throws IllegalStateException if {@code reservationId} is already held: assuming it twice would
   *     count its capacity twice
   */
  public void assume(
      String reservationId,
      Placement placement,
      long cpuMillis,
      long memoryMiB,
      long expiresAtEpochMillis) {
    Objects.requireNonNull(reservationId, "reservationId");
    Objects.requireNonNull(placement, "placement");
    Reservation reservation =
        new Reservation(placement, cpuMillis, memoryMiB, expiresAtEpochMillis);
    if (reservations.putIfAbsent(reservationId, reservation) != null) {
      throw new IllegalStateException("reservation " + reservationId + " is already held");
    }
  }

  /** The desktop started; its usage now arrives with the cluster's reports. */
  public boolean confirm(String reservationId) {
    return reservations.remove(reservationId) != null;
  }

  /** The start failed; the capacity is free again. */
  public boolean release(String reservationId) {
    return reservations.remove(reservationId) != null;
  }

  /** Drops reservations whose TTL has passed and returns how many. */
  public int expire(long nowEpochMillis) {
    int[] expired = {0};
    reservations
        .values()
        .removeIf(
            r -> {
              boolean over = r.expiresAtEpochMillis() <= nowEpochMillis;
              expired[0] += over ? 1 : 0;
              return over;
            });
    return expired[0];
  }

  public int size() {
    return reservations.size();
  }

  /**
   * The base snapshot with every reservation still held at the snapshot's clock taken. Reservations
   * are summed per node group first, so the cost is one update per touched node group, not per
   * reservation. Reservations for clusters or node groups no longer in the snapshot are skipped.
   */
  public Snapshot applyTo(Snapshot base) {
    Map<Placement, long[]> held = new HashMap<>();
    for (Reservation r : reservations.values()) {
      if (r.expiresAtEpochMillis() > base.nowEpochMillis()) {
        long[] sum = held.computeIfAbsent(r.placement(), p -> new long[3]);
        sum[0] += r.cpuMillis();
        sum[1] += r.memoryMiB();
        sum[2]++;
      }
    }
    Snapshot result = base;
    for (Map.Entry<Placement, long[]> entry : held.entrySet()) {
      Placement placement = entry.getKey();
      long[] sum = entry.getValue();
      ClusterState cluster = result.cluster(placement.clusterId()).orElse(null);
      NodeGroup group =
          cluster == null ? null : cluster.nodeGroup(placement.nodeGroup()).orElse(null);
      if (group != null) {
        result =
            result.withCluster(
                cluster.withNodeGroup(group.withAdded(sum[0], sum[1], Math.toIntExact(sum[2]))));
      }
    }
    return result;
  }
}
