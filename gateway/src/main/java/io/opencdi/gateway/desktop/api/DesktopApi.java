package io.opencdi.gateway.desktop.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.UserRepository;
import io.opencdi.gateway.auth.api.User;
import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.cluster.api.Cluster;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.desktop.DesktopQueries;
import io.opencdi.gateway.desktop.DesktopService;
import io.opencdi.gateway.desktop.RequestDesktopCounts;
import io.opencdi.gateway.graphql.PerItem;
import io.opencdi.gateway.graphql.SharedLookups;
import io.opencdi.gateway.quota.CreateRate;
import io.opencdi.gateway.template.TemplateQueries;
import io.opencdi.gateway.template.api.Template;
import io.smallrye.mutiny.Uni;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.dataloader.Try;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;
import org.eclipse.microprofile.graphql.Source;

/** Desktops: a user's own, or all for an admin. */
@GraphQLApi
public class DesktopApi {
  private final CallerResolver callers;
  private final DesktopService service;
  private final DesktopQueries queries;
  private final ClusterQueries clusters;
  private final UserRepository users;
  private final TemplateQueries templates;
  private final Admission admission;
  private final CreateRate rate;
  private final RequestDesktopCounts ownerCounts;

  public DesktopApi(
      CallerResolver callers,
      DesktopService service,
      DesktopQueries queries,
      ClusterQueries clusters,
      UserRepository users,
      TemplateQueries templates,
      Admission admission,
      CreateRate rate,
      RequestDesktopCounts ownerCounts) {
    this.ownerCounts = ownerCounts;
    this.admission = admission;
    this.rate = rate;
    this.callers = callers;
    this.service = service;
    this.queries = queries;
    this.clusters = clusters;
    this.users = users;
    this.templates = templates;
  }

  @Query
  @Description("Desktops the caller may see, oldest first, in pages.")
  public Uni<@NonNull DesktopConnection> desktops(
      DesktopFilter filter, Integer first, String after) {
    return admission.admitRead(
        () -> callers.caller().flatMap(c -> queries.page(c, filter, first, after)));
  }

  @Query
  @Description("One desktop.")
  public Uni<Desktop> desktop(@Id @NonNull String id) {
    return callers.caller().flatMap(c -> queries.one(c, id));
  }

  // Creations answer null with their error rather than failing the whole request: each aliased
  // creation in one request stands on its own, and a desktop made is never hidden by another's
  // failure.
  @Mutation
  @Description(
      "Creates a desktop, placed on the best cluster, and powers it on. Null with an error when"
          + " refused; other fields of the same request keep their answers.")
  public Uni<Desktop> createDesktop(@NonNull CreateDesktopInput input) {
    return callers
        .caller()
        .map(rate::take)
        .flatMap(c -> admission.admitCreation(() -> service.create(c, input)));
  }

  @Mutation
  @Description(
      "Creates many desktops in one request: all or none. Null with an error when refused; other"
          + " fields of the same request keep their answers.")
  public Uni<List<@NonNull Desktop>> createDesktops(@NonNull CreateDesktopsInput input) {
    return callers
        .caller()
        .map(rate::take)
        .flatMap(c -> admission.admitBulk(() -> service.createMany(c, input)));
  }

  @Mutation
  @Description("Powers a desktop on; its home volume comes back with it.")
  public Uni<@NonNull Desktop> startDesktop(@Id @NonNull String id) {
    return admission.admit(
        () -> callers.caller().flatMap(c -> service.start(c, Ids.parse(id, "desktop"))));
  }

  @Mutation
  @Description("Powers a desktop off; its home volume is kept.")
  public Uni<@NonNull Desktop> stopDesktop(@Id @NonNull String id) {
    return admission.admit(
        () -> callers.caller().flatMap(c -> service.stop(c, Ids.parse(id, "desktop"))));
  }

  @Mutation
  @Description("Deletes a desktop and its home volume. This is the only way user data is deleted.")
  public Uni<@NonNull Desktop> deleteDesktop(@Id @NonNull String id) {
    return admission.admit(
        () -> callers.caller().flatMap(c -> service.delete(c, Ids.parse(id, "desktop"))));
  }

  @Description("The cluster the desktop is placed on.")
  public Uni<@NonNull List<Cluster>> cluster(@Source List<Desktop> desktops) {
    return shared(desktops, "cluster", () -> loadClusters(desktops));
  }

  private Uni<List<Cluster>> loadClusters(List<Desktop> desktops) {
    List<UUID> ids =
        desktops.stream().map(Desktop::clusterId).filter(Objects::nonNull).distinct().toList();
    return clusters
        .byIds(ids)
        .map(
            m ->
                desktops.stream()
                    .map(d -> d.clusterId() == null ? null : m.get(d.clusterId()))
                    .toList());
  }

  @Description("The desktop's template.")
  public Uni<@NonNull List<@NonNull Template>> template(@Source List<Desktop> desktops) {
    return shared(desktops, "template", () -> loadTemplates(desktops));
  }

  private Uni<List<Template>> loadTemplates(List<Desktop> desktops) {
    return templates
        .byIds(desktops.stream().map(Desktop::templateId).distinct().toList())
        .map(byId -> desktops.stream().map(d -> byId.get(d.templateId())).toList());
  }

  @Description(
      "Desktops the user owns now, running or powered off (not DELETED); readable by the user"
          + " themselves and admins (null with FORBIDDEN for anyone else).")
  public Uni<List<Integer>> ownedDesktops(@Source List<User> users) {
    return counts(users, DesktopQueries.OwnerCounts::owned);
  }

  @Description(
      "The user's desktops that are RUNNING now; readable by the user themselves and admins (null"
          + " with FORBIDDEN for anyone else).")
  public Uni<List<Integer>> runningDesktops(@Source List<User> users) {
    return counts(users, DesktopQueries.OwnerCounts::running);
  }

  /**
   * One count of each user, in the order of {@code users}, from one grouped query for all the users
   * the caller may see (shared by the two count fields of an operation); FORBIDDEN for the others.
   */
  private Uni<List<Integer>> counts(
      List<User> users, ToLongFunction<DesktopQueries.OwnerCounts> count) {
    return callers
        .caller()
        .flatMap(
            c -> {
              Set<UUID> visible =
                  users.stream()
                      .map(u -> UUID.fromString(u.id()))
                      .filter(c::mayActOn)
                      .collect(Collectors.toCollection(LinkedHashSet::new));
              return ownerCounts
                  .of(List.copyOf(visible))
                  .map(
                      byOwner ->
                          PerItem.results(
                              users.stream()
                                  .map(u -> countOf(visible, u, byOwner, count))
                                  .toList()));
            });
  }

  private static Try<Integer> countOf(
      Set<UUID> visible,
      User user,
      Map<UUID, DesktopQueries.OwnerCounts> byOwner,
      ToLongFunction<DesktopQueries.OwnerCounts> count) {
    UUID id = UUID.fromString(user.id());
    if (!visible.contains(id)) {
      return Try.failed(
          new ForbiddenException("only the user and admins may read a user's desktop counts"));
    }
    DesktopQueries.OwnerCounts counts = byOwner.get(id);
    return Try.succeeded(counts == null ? 0 : Math.toIntExact(count.applyAsLong(counts)));
  }

  @Description("The desktop's owner.")
  public Uni<@NonNull List<@NonNull User>> owner(@Source List<Desktop> desktops) {
    return shared(desktops, "owner", () -> loadOwners(desktops));
  }

  private Uni<List<User>> loadOwners(List<Desktop> desktops) {
    List<UUID> ids = desktops.stream().map(Desktop::ownerId).distinct().toList();
    return users
        .byIds(ids)
        .map(
            l -> {
              Map<UUID, User> byId = new HashMap<>();
              l.forEach(u -> byId.put(u.id, User.from(u)));
              return desktops.stream().map(d -> byId.get(d.ownerId())).toList();
            });
  }

  private static <T> Uni<List<T>> shared(
      List<Desktop> desktops, String field, Supplier<Uni<List<T>>> lookup) {
    return SharedLookups.forBatch(desktops, Desktop::lookups, field, lookup);
  }
}
