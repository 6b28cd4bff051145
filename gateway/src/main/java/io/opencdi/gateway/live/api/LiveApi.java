package io.opencdi.gateway.live.api;

import io.opencdi.gateway.agent.LiveQueries;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.cluster.api.Cluster;
import io.opencdi.gateway.common.ClusterUnavailableException;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.graphql.PerItem;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveReport;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.dataloader.Try;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Source;

/**
 * Fields resolved live in the member clusters through their agents. Every field is a batch
 * resolver: all desktops (or clusters) of one level of a GraphQL request are grouped by cluster and
 * each cluster is asked once. A cluster that cannot answer fails only its own items, with {@code
 * CLUSTER_UNAVAILABLE} or {@code CLUSTER_TIMEOUT}; the rest of the answer is complete.
 */
@GraphQLApi
public class LiveApi {
  private final CallerResolver callers;
  private final ClusterQueries clusters;
  private final LiveQueries live;

  public LiveApi(CallerResolver callers, ClusterQueries clusters, LiveQueries live) {
    this.callers = callers;
    this.clusters = clusters;
    this.live = live;
  }

  /** What one cluster answered: a report, or why there is none. */
  private record Outcome(LiveReport report, Throwable failure) {}

  @Description(
      "What the desktop uses now and its processes, read from its cluster when asked; null when"
          + " the desktop is not running. Only its owner and admins see it.")
  public Uni<List<DesktopLive>> live(@Source List<Desktop> desktops) {
    return callers
        .caller()
        .flatMap(
            caller -> {
              Map<UUID, List<String>> asked = new LinkedHashMap<>();
              for (Desktop d : desktops) {
                if (askable(caller, d)) {
                  asked.computeIfAbsent(d.clusterId(), c -> new ArrayList<>()).add(d.id());
                }
              }
              return askAll(asked, false)
                  .map(
                      outcomes ->
                          PerItem.results(
                              desktops.stream().map(d -> live(caller, d, outcomes)).toList()));
            });
  }

  @Description(
      "The cluster's nodes and what they use now, read from the cluster when asked (admin only).")
  public Uni<List<List<@NonNull ClusterNode>>> nodes(@Source List<Cluster> sources) {
    return callers
        .caller()
        .flatMap(
            caller -> {
              if (!caller.admin()) {
                Try<List<ClusterNode>> denied =
                    Try.failed(new ForbiddenException("the node list is for admins only"));
                return Uni.createFrom()
                    .item(PerItem.results(sources.stream().map(c -> denied).toList()));
              }
              Map<UUID, List<String>> asked = new LinkedHashMap<>();
              sources.forEach(c -> asked.put(c.uuid(), List.of()));
              return askAll(asked, true)
                  .map(
                      outcomes ->
                          PerItem.results(
                              sources.stream().map(c -> nodes(outcomes.get(c.uuid()))).toList()));
            });
  }

  private static boolean askable(Caller caller, Desktop d) {
    return caller.mayActOn(d.ownerId())
        && d.state() == DesktopState.RUNNING
        && d.clusterId() != null;
  }

  private static Try<DesktopLive> live(Caller caller, Desktop d, Map<UUID, Outcome> outcomes) {
    if (!caller.mayActOn(d.ownerId())) {
      return Try.failed(
          new ForbiddenException("only the desktop's owner or an admin sees its live state"));
    }
    if (!askable(caller, d)) {
      return Try.succeeded(null); // not running: nothing uses anything
    }
    Outcome outcome = outcomes.get(d.clusterId());
    if (outcome.failure() != null) {
      return Try.failed(outcome.failure());
    }
    LiveReport report = outcome.report();
    for (DesktopUsage usage : report.desktops()) {
      if (d.id().equals(usage.desktopId())) {
        return Try.succeeded(DesktopLive.from(usage));
      }
    }
    if (report.error() != null) {
      return Try.failed(unreadable(report));
    }
    return Try.succeeded(null); // the cluster says it does not run (the database lags behind)
  }

  private static Try<List<ClusterNode>> nodes(Outcome outcome) {
    if (outcome.failure() != null) {
      return Try.failed(outcome.failure());
    }
    LiveReport report = outcome.report();
    if (report.nodes().isEmpty() && report.error() != null) {
      return Try.failed(unreadable(report));
    }
    return Try.succeeded(report.nodes().stream().map(ClusterNode::from).toList());
  }

  private static ClusterUnavailableException unreadable(LiveReport report) {
    return new ClusterUnavailableException(
        "cluster " + report.cluster() + " could not report its live state: " + report.error());
  }

  /** Asks every cluster once, in parallel; each outcome is a report or a failure of its own. */
  private Uni<Map<UUID, Outcome>> askAll(Map<UUID, List<String>> asked, boolean nodes) {
    if (asked.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return clusters
        .byIds(asked.keySet())
        .flatMap(
            names -> {
              List<UUID> ids = List.copyOf(asked.keySet());
              List<Uni<Outcome>> queries =
                  ids.stream()
                      .map(
                          id -> {
                            Cluster cluster = names.get(id);
                            if (cluster == null) {
                              return Uni.createFrom()
                                  .item(
                                      new Outcome(
                                          null,
                                          new ClusterUnavailableException(
                                              "the desktop's cluster is gone")));
                            }
                            return live.ask(id, cluster.name(), asked.get(id), nodes)
                                .map(r -> new Outcome(r, null))
                                .onFailure()
                                .recoverWithItem(e -> new Outcome(null, e));
                          })
                      .toList();
              return Uni.join()
                  .all(queries)
                  .andFailFast()
                  .map(
                      outcomes -> {
                        Map<UUID, Outcome> byId = new LinkedHashMap<>();
                        for (int i = 0; i < ids.size(); i++) {
                          byId.put(ids.get(i), outcomes.get(i));
                        }
                        return byId;
                      });
            });
  }
}
