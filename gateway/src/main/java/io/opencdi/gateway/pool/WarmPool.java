package io.opencdi.gateway.pool;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A warm pool: {@code size} desktops of a template kept placed and running in a region (and
 * optionally a zone) ahead of demand, handed to the first users who ask for that template there
 * (ADR 0035).
 *
 * @param zone null for any zone of the region
 * @param statusReason why the pool is short of its size, when it is; null otherwise
 */
public record WarmPool(
    UUID id,
    UUID templateId,
    String region,
    String zone,
    int size,
    String statusReason,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** The most members one pool may keep. */
  public static final int MAX_SIZE = 1000;

  /**
   * Whether this pool's members can serve a creation of {@code template} where the user prefers
   * {@code region} and {@code zone} (each null for "anywhere"). A creation that names a zone is
   * served only by a pool of that zone; one that names none, by any pool of its region.
   */
  public boolean serves(UUID template, String wantedRegion, String wantedZone) {
    return templateId.equals(template)
        && (wantedRegion == null || wantedRegion.equals(region))
        && (wantedZone == null || wantedZone.equals(zone));
  }
}
