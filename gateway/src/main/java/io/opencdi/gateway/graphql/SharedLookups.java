package io.opencdi.gateway.graphql;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Lookups shared by every subscription that renders the same event. A subscription runs its
 * selection once per subscriber, so a related object (a desktop's cluster, owner, template) would
 * otherwise be read from the database once per subscriber and event: a thousand admin consoles
 * turned one state change into a thousand identical queries. The event carries one instance of
 * this; the first subscriber to need a field starts the lookup and the others share its result.
 * Successes are kept for the event's lifetime (what the related object was when the event was
 * rendered); a failure is given to whoever waited for it and the next subscriber tries again.
 */
public final class SharedLookups {
  private final ConcurrentHashMap<String, Uni<?>> results = new ConcurrentHashMap<>();

  /**
   * A batch resolver's lookup: shared when the batch is one event's object (a subscription renders
   * one event at a time), run as usual for queries, which never carry lookups.
   */
  public static <S, T> Uni<List<T>> forBatch(
      List<S> sources,
      Function<S, SharedLookups> lookupsOf,
      String field,
      Supplier<Uni<List<T>>> lookup) {
    SharedLookups lookups = sources.size() == 1 ? lookupsOf.apply(sources.get(0)) : null;
    return lookups == null ? lookup.get() : lookups.once(field, lookup);
  }

  /** Records the result of the lookup named {@code field}, known without asking the database. */
  public <T> SharedLookups known(String field, T result) {
    results.put(field, Uni.createFrom().item(result));
    return this;
  }

  /** The lookup named {@code field}, started at most once while it succeeds. */
  @SuppressWarnings("unchecked")
  public <T> Uni<T> once(String field, Supplier<Uni<T>> lookup) {
    return (Uni<T>)
        results.computeIfAbsent(
            field,
            f ->
                Uni.createFrom()
                    .deferred(lookup::get)
                    .onFailure()
                    .invoke(() -> results.remove(f))
                    .memoize()
                    .indefinitely());
  }
}
