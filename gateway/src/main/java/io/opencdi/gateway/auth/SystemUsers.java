package io.opencdi.gateway.auth;

import java.util.UUID;

/**
 * Users the gateway itself owns things as. Created by migrations; nobody can sign in as them (no
 * password, and an OIDC identity under an issuer no token can carry), and they are never listed.
 */
public final class SystemUsers {
  /** The owner of warm-pool members that no user has claimed yet (migration V16, ADR 0035). */
  public static final UUID WARM_POOLS = UUID.fromString("00000000-0000-0000-0000-00000000b001");

  private SystemUsers() {}

  /** Whether {@code id} is one of the gateway's own users. */
  public static boolean isSystem(UUID id) {
    return WARM_POOLS.equals(id);
  }
}
