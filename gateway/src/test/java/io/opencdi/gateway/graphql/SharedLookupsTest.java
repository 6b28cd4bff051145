package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SharedLookupsTest {
  private final SharedLookups lookups = new SharedLookups();

  @Test
  void subscribersWaitingForTheSameFieldShareOneLookup() {
    AtomicInteger started = new AtomicInteger();
    AtomicReference<UniEmitter<? super String>> pending = new AtomicReference<>();
    List<CompletableFuture<String>> subscribers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      subscribers.add(
          lookups
              .once(
                  "cluster",
                  () ->
                      Uni.createFrom()
                          .<String>emitter(
                              e -> {
                                started.incrementAndGet();
                                pending.set(e);
                              }))
              .subscribeAsCompletionStage());
    }
    assertThat(subscribers).noneMatch(CompletableFuture::isDone);

    pending.get().complete("fra-1");

    assertThat(started).hasValue(1);
    assertThat(subscribers).allSatisfy(s -> assertThat(s.join()).isEqualTo("fra-1"));
    // A subscriber that arrives after the result gets it without another lookup.
    assertThat(lookups.once("cluster", () -> Uni.createFrom().item("other")).await().indefinitely())
        .isEqualTo("fra-1");
    assertThat(started).hasValue(1);
  }

  @Test
  void eachFieldHasItsOwnLookup() {
    assertThat(lookups.once("cluster", () -> Uni.createFrom().item("fra-1")).await().indefinitely())
        .isEqualTo("fra-1");
    assertThat(lookups.once("owner", () -> Uni.createFrom().item("alice")).await().indefinitely())
        .isEqualTo("alice");
  }

  @Test
  void aFailedLookupIsTriedAgainByTheNextSubscriber() {
    AtomicInteger started = new AtomicInteger();
    Uni<String> first =
        lookups.once(
            "owner",
            () -> {
              started.incrementAndGet();
              return Uni.createFrom().failure(new IllegalStateException("pool closed"));
            });
    assertThatThrownBy(() -> first.await().atMost(Duration.ofSeconds(5)))
        .hasMessageContaining("pool closed");

    String second =
        lookups
            .once(
                "owner",
                () -> {
                  started.incrementAndGet();
                  return Uni.createFrom().item("alice");
                })
            .await()
            .atMost(Duration.ofSeconds(5));

    assertThat(second).isEqualTo("alice");
    assertThat(started).hasValue(2);
  }
}
