package io.opencdi.gateway.quota.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.api.User;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.graphql.PerItem;
import io.opencdi.gateway.quota.QuotaLimits;
import io.opencdi.gateway.quota.QuotaRepository;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.dataloader.Try;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Source;

/** Users' quotas: readable by the user and admins, set by admins. */
@GraphQLApi
public class QuotaApi {
  private static final int MAX_COUNT = 100_000;
  private static final long MAX_CPU_MILLIS = 100_000_000L;
  private static final long MAX_MEMORY_MIB = 1_000_000_000L;

  private final CallerResolver callers;
  private final QuotaRepository repository;
  private final Admission admission;

  public QuotaApi(CallerResolver callers, QuotaRepository repository, Admission admission) {
    this.callers = callers;
    this.repository = repository;
    this.admission = admission;
  }

  @Mutation("setUserQuota")
  @Description(
      "Sets a user's own limits (admin only). Limits left out return to the defaults. Lowering a"
          + " limit below what the user holds stops nothing: only new desktops, power-ons and"
          + " snapshots are refused until the user is back under it.")
  public Uni<@NonNull User> setUserQuota(@NonNull String username, @NonNull QuotaInput quota) {
    return admission.admit(
        () ->
            callers
                .caller()
                .map(Caller::requireAdmin)
                .invoke(c -> validate(username, quota))
                .flatMap(
                    c ->
                        repository.setLimits(
                            username,
                            quota.maxDesktops(),
                            quota.maxCpuMillis(),
                            quota.maxMemoryMiB(),
                            quota.maxSnapshots())));
  }

  @Description(
      "The user's quota and what they hold against it; readable by the user themselves and admins"
          + " (null with FORBIDDEN for anyone else).")
  public Uni<List<Quota>> quota(@Source List<User> users) {
    List<UUID> ids = users.stream().map(u -> UUID.fromString(u.id())).distinct().toList();
    return callers
        .caller()
        .flatMap(
            c -> repository.held(ids).map(held -> answer(c, users, held)).map(PerItem::results));
  }

  private static List<Try<Quota>> answer(
      Caller caller, List<User> users, Map<UUID, QuotaRepository.Held> held) {
    return users.stream()
        .map(
            user -> {
              UUID id = UUID.fromString(user.id());
              QuotaRepository.Held h = held.get(id);
              if (!caller.mayActOn(id)) {
                return Try.<Quota>failed(
                    new ForbiddenException("only the user and admins may read a user's quota"));
              }
              if (h == null) {
                return Try.<Quota>failed(new NotFoundException("no user with id " + id));
              }
              QuotaLimits q = h.limits();
              return Try.succeeded(
                  new Quota(
                      q.maxDesktops(),
                      q.maxCpuMillis(),
                      q.maxMemoryMiB(),
                      q.maxSnapshots(),
                      q.custom(),
                      (int) h.desktops().desktops(),
                      h.desktops().cpuMillis(),
                      h.desktops().memoryMiB(),
                      (int) h.snapshots()));
            })
        .toList();
  }

  private static void validate(String username, QuotaInput q) {
    TextInputs.username("username", username);
    range("maxDesktops", q.maxDesktops(), MAX_COUNT);
    range("maxCpuMillis", q.maxCpuMillis(), MAX_CPU_MILLIS);
    range("maxMemoryMiB", q.maxMemoryMiB(), MAX_MEMORY_MIB);
    range("maxSnapshots", q.maxSnapshots(), MAX_COUNT);
  }

  private static void range(String what, Number value, long max) {
    if (value != null && (value.longValue() < 0 || value.longValue() > max)) {
      throw new ValidationException(what + " must be between 0 and " + max + ", got " + value);
    }
  }
}
