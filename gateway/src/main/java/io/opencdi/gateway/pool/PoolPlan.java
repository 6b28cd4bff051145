package io.opencdi.gateway.pool;

import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What a pool needs to get back to its size: how many members to create and which to delete. Pure,
 * decided from the pool's unclaimed members as the inventory has them.
 *
 * <p>A member is useful while it is on its way up or running and healthy. Members that failed, were
 * powered off or went DEGRADED are deleted and replaced: nobody should be handed one; so are
 * members made before their template's image or layers changed, which a user would no longer get
 * from a cold start (and which a claim passes over, ADR 0038). Beyond the size, members still
 * starting go first (they have cost least), then the newest running ones.
 *
 * @param create members to create
 * @param delete members to delete
 */
public record PoolPlan(int create, List<UUID> delete) {
  private static final Set<DesktopState> USEFUL =
      EnumSet.of(
          DesktopState.PENDING,
          DesktopState.SCHEDULED,
          DesktopState.STARTING,
          DesktopState.RUNNING);

  /**
   * An unclaimed member of the pool that is not being deleted; {@code current} when it has its
   * template's image and layers as they are now.
   */
  public record Member(
      UUID id,
      DesktopState state,
      DesktopHealth health,
      OffsetDateTime createdAt,
      boolean current) {

    public Member(UUID id, DesktopState state, DesktopHealth health, OffsetDateTime createdAt) {
      this(id, state, health, createdAt, true);
    }

    boolean useful() {
      return current && USEFUL.contains(state) && health == DesktopHealth.OK;
    }

    boolean running() {
      return state == DesktopState.RUNNING;
    }
  }

  public static PoolPlan of(int size, List<Member> members) {
    List<UUID> delete = new ArrayList<>();
    List<Member> useful = new ArrayList<>();
    for (Member m : members) {
      if (m.useful()) {
        useful.add(m);
      } else {
        delete.add(m.id());
      }
    }
    // Kept first: running before starting, older before newer.
    useful.sort(
        Comparator.comparing((Member m) -> !m.running())
            .thenComparing(Member::createdAt)
            .thenComparing(Member::id));
    for (int i = Math.max(0, size); i < useful.size(); i++) {
      delete.add(useful.get(i).id());
    }
    return new PoolPlan(Math.max(0, size - useful.size()), List.copyOf(delete));
  }
}
