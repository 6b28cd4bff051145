package io.opencdi.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the inventory said about a token's user and its revocation, kept on this replica until the
 * database announces a change (ADR 0033): a change of a user's role or name, a deleted user and a
 * revoked token each reach every replica as a notification written by a trigger, and a replica that
 * lost its listening connection forgets everything when it listens again. The expiry is a bound for
 * what no notification could tell, not the way changes arrive.
 *
 * <p>A lookup that was under way while something changed is not kept: every change moves the
 * generation, and a lookup is dropped again if the generation moved since it began.
 *
 * <p>Beside the lookups it keeps which tokens' signatures were already checked, by the same
 * fingerprint (ADR 0033, addendum "a signature is checked once per token"): the signature, issuer
 * and audience are facts about the token's bytes, which a SHA-256 fingerprint names, so checking
 * them again on every request (an RSA verification, the largest cost of a small request) tells
 * nothing new. The expiry is still compared on every request, and the revocation and role still
 * come from the lookup.
 */
public final class SessionLookups {
  /** The inventory's answer for one token. */
  public record Lookup(UUID userId, String username, boolean admin, boolean revoked) {}

  /** A token whose signature, issuer and audience were checked: whom it names, until when. */
  public record Verified(UUID userId, Instant expires) {}

  private final Cache<String, Lookup> byToken;
  private final Cache<String, Verified> verified;
  private final AtomicLong generation = new AtomicLong();

  public SessionLookups(long maxTokens, Duration expiry, Ticker ticker) {
    this.byToken =
        Caffeine.newBuilder()
            .maximumSize(maxTokens)
            .expireAfterWrite(expiry)
            .ticker(ticker)
            .build();
    this.verified =
        Caffeine.newBuilder()
            .maximumSize(maxTokens)
            .expireAfterWrite(expiry)
            .ticker(ticker)
            .build();
  }

  /** The token of this fingerprint if its signature was checked already, or null. */
  public Verified verified(String tokenHash) {
    return verified.getIfPresent(tokenHash);
  }

  /**
   * Keeps that the token's signature checked out and whom it names, unless something changed since
   * {@code since}: an OIDC user deleted meanwhile is then resolved (created) again, as before.
   */
  public void keepVerified(long since, String tokenHash, Verified token) {
    verified.put(tokenHash, token);
    if (generation.get() != since) {
      verified.invalidate(tokenHash);
    }
  }

  /** The answer kept for a token's fingerprint, or null. */
  public Lookup get(String tokenHash) {
    return byToken.getIfPresent(tokenHash);
  }

  /** Taken before a lookup starts, handed to {@link #keep}. */
  public long generation() {
    return generation.get();
  }

  /** Keeps a lookup that began at {@code since}, unless something changed after that. */
  public void keep(long since, String tokenHash, Lookup lookup) {
    byToken.put(tokenHash, lookup);
    // Put first, then check: a change that moved the generation before this line removes nothing
    // of ours, so we remove it ourselves; one after it removes it.
    if (generation.get() != since) {
      byToken.invalidate(tokenHash);
    }
  }

  /** A user's role, name or existence changed. */
  public void userChanged(UUID userId) {
    generation.incrementAndGet();
    byToken.asMap().values().removeIf(l -> l.userId().equals(userId));
    verified.asMap().values().removeIf(v -> v.userId().equals(userId));
  }

  /** A token was revoked. */
  public void tokenRevoked(String tokenHash) {
    generation.incrementAndGet();
    byToken.invalidate(tokenHash);
    verified.invalidate(tokenHash);
  }

  /** Changes may have been missed (the listening connection was lost). */
  public void forgetAll() {
    generation.incrementAndGet();
    byToken.invalidateAll();
    verified.invalidateAll();
  }

  /** Tokens kept now (for tests). */
  public long size() {
    byToken.cleanUp();
    return byToken.estimatedSize();
  }
}
