package io.opencdi.gateway.desktop;

import java.util.List;
import java.util.UUID;

/**
 * Where the placement pipeline learns which warm pools could serve a creation (ADR 0035). The pools
 * feature implements it; the pipeline only asks, so the desktop package does not depend on the
 * pools package, which creates its members through the pipeline.
 */
public interface WarmMembers {
  /**
   * The pools whose members can be handed over for a desktop of {@code templateId}, in order of
   * preference; empty when none can.
   *
   * @param region the region the user prefers, or null for any
   * @param zone the zone the user prefers, or null for any
   */
  List<UUID> poolsFor(UUID templateId, String region, String zone);

  /**
   * A user's creation was refused for lack of room on {@code clusters} (ids, in the order placement
   * sees them). When warm pools hold idle members on one of them, the pool keeper is asked to
   * release that much room there (the user's region first) and the answer is a sentence for the
   * user; otherwise null.
   *
   * @param region the region the user prefers, or null for any
   */
  String roomRefused(
      List<UUID> clusters, UUID ownerId, String region, long cpuMillis, long memoryMiB);
}
