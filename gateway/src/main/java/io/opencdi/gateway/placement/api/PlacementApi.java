package io.opencdi.gateway.placement.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.placement.PlacementPreviews;
import io.opencdi.placement.framework.ClusterEvaluation;
import io.opencdi.placement.framework.Decision;
import io.smallrye.mutiny.Uni;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;

/** "Why would my desktop land there?" */
@GraphQLApi
public class PlacementApi {
  private final CallerResolver callers;
  private final PlacementPreviews previews;
  private final Admission admission;

  public PlacementApi(CallerResolver callers, PlacementPreviews previews, Admission admission) {
    this.callers = callers;
    this.previews = previews;
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
    var hypothesis =
        new PlacementPreviews.Hypothesis(
            templateId, input.cpuMillis(), input.memoryMiB(), input.region(), input.zone());
    return admission.admitRead(
        () ->
            callers
                .caller()
                .flatMap(c -> decide(c, input.owner(), hypothesis))
                .map(
                    d ->
                        toPreview(
                            d.orElseThrow(
                                () ->
                                    new NotFoundException(
                                        "no template with id " + input.templateId())))));
  }

  private Uni<Optional<Decision>> decide(
      Caller caller, String owner, PlacementPreviews.Hypothesis hypothesis) {
    if (owner == null || owner.equals(caller.username())) {
      return previews.forUser(caller.userId(), hypothesis);
    }
    if (!caller.admin()) {
      throw new ForbiddenException("only admins preview placement for other users");
    }
    return previews.forUsername(owner, hypothesis);
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
