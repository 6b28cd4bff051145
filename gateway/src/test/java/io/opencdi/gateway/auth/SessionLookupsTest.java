package io.opencdi.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionLookupsTest {
  private final AtomicLong nanos = new AtomicLong();
  private final SessionLookups lookups =
      new SessionLookups(100, Duration.ofSeconds(60), nanos::get);
  private final UUID alice = UUID.randomUUID();
  private final UUID bob = UUID.randomUUID();

  private static SessionLookups.Lookup of(UUID user, boolean admin) {
    return new SessionLookups.Lookup(user, "u", admin, false);
  }

  @Test
  void aKeptLookupServesUntilItsUserChangesAndOnlyItsUsersAreForgotten() {
    lookups.keep(lookups.generation(), "alice-laptop", of(alice, true));
    lookups.keep(lookups.generation(), "alice-phone", of(alice, true));
    lookups.keep(lookups.generation(), "bob", of(bob, false));
    assertThat(lookups.get("alice-laptop").admin()).isTrue();

    lookups.userChanged(alice);

    assertThat(lookups.get("alice-laptop")).isNull();
    assertThat(lookups.get("alice-phone")).isNull();
    assertThat(lookups.get("bob")).isEqualTo(of(bob, false));
  }

  @Test
  void aRevokedTokenIsForgottenAndTheUsersOtherTokensStay() {
    lookups.keep(lookups.generation(), "alice-laptop", of(alice, false));
    lookups.keep(lookups.generation(), "alice-phone", of(alice, false));
    lookups.tokenRevoked("alice-laptop");
    assertThat(lookups.get("alice-laptop")).isNull();
    assertThat(lookups.get("alice-phone")).isNotNull();
  }

  @Test
  void aLookupUnderWayWhileSomethingChangedIsNotKept() {
    // The read began before the demotion was announced and answers with the old role.
    long since = lookups.generation();
    lookups.userChanged(alice);
    lookups.keep(since, "alice-laptop", of(alice, true));
    assertThat(lookups.get("alice-laptop")).isNull();
    // Any change counts, also another user's or a lost connection: the lookup is read again.
    since = lookups.generation();
    lookups.forgetAll();
    lookups.keep(since, "bob", of(bob, false));
    assertThat(lookups.get("bob")).isNull();
  }

  @Test
  void nothingIsKeptLongerThanTheExpiryNorBeyondTheBound() {
    lookups.keep(lookups.generation(), "alice", of(alice, false));
    nanos.addAndGet(Duration.ofSeconds(59).toNanos());
    assertThat(lookups.get("alice")).isNotNull();
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(lookups.get("alice")).isNull();

    for (int i = 0; i < 1_000; i++) {
      lookups.keep(lookups.generation(), "token-" + i, of(UUID.randomUUID(), false));
    }
    assertThat(lookups.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void forgettingEverythingLeavesNothing() {
    lookups.keep(lookups.generation(), "alice", of(alice, false));
    lookups.keep(lookups.generation(), "bob", of(bob, false));
    lookups.forgetAll();
    assertThat(lookups.size()).isZero();
  }

  @Test
  void aCheckedSignatureIsForgottenWithItsUserItsRevocationAndAfterTheExpiry() {
    Instant exp = Instant.now().plusSeconds(3600);
    lookups.keepVerified(
        lookups.generation(), "alice-laptop", new SessionLookups.Verified(alice, exp));
    lookups.keepVerified(
        lookups.generation(), "alice-phone", new SessionLookups.Verified(alice, exp));
    lookups.keepVerified(lookups.generation(), "bob", new SessionLookups.Verified(bob, exp));
    assertThat(lookups.verified("alice-laptop")).isEqualTo(new SessionLookups.Verified(alice, exp));

    // A deleted user of an identity provider is resolved (created) again from the token.
    lookups.userChanged(alice);
    assertThat(lookups.verified("alice-laptop")).isNull();
    assertThat(lookups.verified("alice-phone")).isNull();
    assertThat(lookups.verified("bob")).isNotNull();

    lookups.tokenRevoked("bob");
    assertThat(lookups.verified("bob")).isNull();

    // Checked under a key that may have been rotated since: at most the expiry.
    lookups.keepVerified(lookups.generation(), "carol", new SessionLookups.Verified(bob, exp));
    nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(lookups.verified("carol")).isNull();

    // One whose user changed while it was being resolved is not kept.
    long since = lookups.generation();
    lookups.userChanged(bob);
    lookups.keepVerified(since, "bob", new SessionLookups.Verified(bob, exp));
    assertThat(lookups.verified("bob")).isNull();
  }
}
