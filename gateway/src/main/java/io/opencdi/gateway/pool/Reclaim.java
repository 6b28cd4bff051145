package io.opencdi.gateway.pool;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Which idle warm-pool members of one cluster to delete so that users, refused for lack of room
 * there, get it (ADR 0035). Pure. Members still starting go first (they have cost least and serve
 * nobody yet), then the newest running ones, until the members chosen free at least the CPU and the
 * memory wanted, or there are none left.
 */
public final class Reclaim {
  private Reclaim() {}

  /** An idle member on the cluster, with the room it holds. */
  public record Idle(
      UUID id, boolean running, long cpuMillis, long memoryMiB, OffsetDateTime createdAt) {}

  public static List<UUID> choose(long wantedCpuMillis, long wantedMemoryMiB, List<Idle> idle) {
    List<Idle> order = new ArrayList<>(idle);
    order.sort(
        Comparator.comparing(Idle::running)
            .thenComparing(Idle::createdAt, Comparator.reverseOrder())
            .thenComparing(Idle::id));
    List<UUID> out = new ArrayList<>();
    long cpu = 0;
    long memory = 0;
    for (Idle m : order) {
      if (cpu >= wantedCpuMillis && memory >= wantedMemoryMiB) {
        break;
      }
      out.add(m.id());
      cpu += m.cpuMillis();
      memory += m.memoryMiB();
    }
    return List.copyOf(out);
  }
}
