package io.opencdi.gateway.auth;

import io.opencdi.gateway.common.ForbiddenException;
import java.util.UUID;

/**
 * The authenticated user behind a request.
 *
 * @param userId the user's id in the inventory
 * @param username the user's name
 * @param admin whether the user has the {@code admin} role
 */
public record Caller(UUID userId, String username, boolean admin) {
  /** Refuses anyone but an admin. */
  public Caller requireAdmin() {
    if (!admin) {
      throw new ForbiddenException("this operation needs the admin role");
    }
    return this;
  }

  /** Whether the caller may see and act on something {@code ownerId} owns. */
  public boolean mayActOn(UUID ownerId) {
    return admin || userId.equals(ownerId);
  }
}
