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
}
