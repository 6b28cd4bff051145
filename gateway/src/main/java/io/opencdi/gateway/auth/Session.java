package io.opencdi.gateway.auth;

import java.time.Instant;

/**
 * A verified bearer token: the user it signs in (with the role the inventory gives them now), when
 * it expires, and its fingerprint, under which {@code logout} revokes it.
 */
public record Session(Caller caller, String tokenHash, Instant expiresAt) {}
