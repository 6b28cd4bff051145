package io.opencdi.gateway.placement.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.placement.framework.ClusterEvaluation;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.DesktopRequest;
import io.smallrye.mutiny.Uni;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;
import org.hibernate.reactive.mutiny.Mutiny;

/** "Why would my desktop land there?" */
@GraphQLApi
public class PlacementApi {
  private final CallerResolver callers;
  private final PlacementService placement;
  private final Db db;
  private final Admission admission;

  public PlacementApi(
      CallerResolver callers, PlacementService placement, Db db, Admission admission) {
    this.callers = callers;
    this.placement = placement;
    this.db = db;
    this.admission = admission;
  }

  @Query
  @Description("Explains placement for a hypothetical desktop without reserving anything.")
  public Uni<@NonNull PlacementPreview> placementPreview(@NonNull PlacementPreviewInput input) {
    UUID templateId = Ids.parse(input.templateId(), "template");
    if (input.cpuMillis() != null && input.cpuMillis() <= 0
        || input.memoryMiB() != null && input.memoryMiB() <= 0) {
      return Uni.createFrom().failure(new ValidationException("resources must be positive"));
    }
    try {
      TextInputs.label("region", input.region());
      TextInputs.label("zone", input.zone());
      TextInputs.username("owner", input.owner());
    } catch (ValidationException e) {
      return Uni.createFrom().failure(e);
    }
    return admission.admitRead(
        () ->
            callers
                .caller()
                .flatMap(
                    c ->
                        db.session(
                            s ->
                                owner(s, c, input.owner())
                                    .flatMap(
                                        owner ->
                                            s.find(TemplateEntity.class, templateId)
                                                .map(t -> preview(owner, t, input))))));
  }

  private PlacementPreview preview(
      UserEntity owner, TemplateEntity t, PlacementPreviewInput input) {
    if (t == null) {
      throw new NotFoundException("no template with id " + input.templateId());
    }
    var b =
        DesktopRequest.builder(
                owner.id.toString(),
                input.cpuMillis() == null ? t.cpuMillis : input.cpuMillis(),
                input.memoryMiB() == null ? t.memoryMiB : input.memoryMiB())
            .runtimeClass(t.runtimeClass)
            .storageClass(t.storageClass)
            .image(t.image);
    if (t.arch != null) {
      b.arch(t.arch);
    }
    if (input.region() != null) {
      b.region(input.region());
    }
    if (input.zone() != null) {
      b.zone(input.zone());
    }
    return toPreview(placement.preview(b.build()));
  }

  private static Uni<UserEntity> owner(Mutiny.Session s, Caller caller, String username) {
    if (username == null || username.equals(caller.username())) {
      return s.find(UserEntity.class, caller.userId());
    }
    if (!caller.admin()) {
      throw new ForbiddenException("only admins preview placement for other users");
    }
    return s.createSelectionQuery("from UserEntity where username = :u", UserEntity.class)
        .setParameter("u", username)
        .getSingleResultOrNull()
        .onItem()
        .ifNull()
        .failWith(() -> new NotFoundException("no user named '" + username + "'"));
  }

  static PlacementPreview toPreview(Decision decision) {
    var verdicts = decision.evaluations().stream().map(PlacementApi::verdict).toList();
    if (decision instanceof Decision.Scheduled s) {
      String name =
          decision.evaluations().stream()
              .filter(e -> e.clusterId().equals(s.placement().clusterId()))
              .map(ClusterEvaluation::clusterName)
              .findFirst()
              .orElse(null);
      return new PlacementPreview(
          true,
          s.placement().clusterId(),
          name,
          s.placement().nodeGroup(),
          s.score(),
          "would be placed on " + name,
          verdicts);
    }
    Decision.Unschedulable u = (Decision.Unschedulable) decision;
    return new PlacementPreview(false, null, null, null, null, u.summary(), verdicts);
  }

  private static PlacementPreview.ClusterVerdict verdict(ClusterEvaluation e) {
    return new PlacementPreview.ClusterVerdict(
        e.clusterId(),
        e.clusterName(),
        e.feasible(),
        e.totalScore().isPresent() ? e.totalScore().getAsInt() : null,
        e.nodeGroup().orElse(null),
        e.filters().stream()
            .map(f -> new PlacementPreview.FilterCheck(f.plugin(), f.passed(), f.reason()))
            .toList(),
        e.scores().stream()
            .map(sc -> new PlacementPreview.ScoreEntry(sc.plugin(), sc.score(), sc.weight()))
            .toList());
  }
}
