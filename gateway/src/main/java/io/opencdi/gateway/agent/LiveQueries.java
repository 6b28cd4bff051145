package io.opencdi.gateway.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.common.ClusterTimeoutException;
import io.opencdi.gateway.common.ClusterUnavailableException;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Live-state queries to the agents of this replica's links: each query waits here, under its random
 * id, until the agent's {@link LiveReport} arrives or the timeout ends the wait. Only the link that
 * serves the asked cluster may answer a query.
 */
@ApplicationScoped
public class LiveQueries {
  private static final Logger LOG = Logger.getLogger(LiveQueries.class);

  /** A query sent and not yet answered. */
  private record Waiting(UUID clusterId, CompletableFuture<LiveReport> answer) {}

  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  private final AgentLinks links;
  private final LiveQueryConfig config;
  private final Counter sent;

  public LiveQueries(AgentLinks links, LiveQueryConfig config, MeterRegistry meters) {
    this.links = links;
    this.config = config;
    this.sent = meters.counter("opencdi.live.queries");
    meters.gauge("opencdi.live.waiting", waiting, Map::size);
  }

  /**
   * Asks the agent of {@code clusterId} for the use of {@code desktopIds} and, when {@code nodes}
   * is set, for its nodes.
   *
   * @return the report; fails with {@link ClusterUnavailableException} when no agent on this
   *     replica serves the cluster now, {@link ClusterTimeoutException} when it does not answer in
   *     time
   */
  public Uni<LiveReport> ask(
      UUID clusterId, String clusterName, List<String> desktopIds, boolean nodes) {
    return Uni.createFrom()
        .deferred(
            () -> {
              String queryId = UUID.randomUUID().toString();
              CompletableFuture<LiveReport> answer = new CompletableFuture<>();
              // Registered before the query goes out: the answer may be faster than this thread.
              waiting.put(queryId, new Waiting(clusterId, answer));
              if (links
                  .sendToCluster(clusterId, new LiveQuery(queryId, clusterName, desktopIds, nodes))
                  .isEmpty()) {
                waiting.remove(queryId);
                return Uni.createFrom()
                    .failure(
                        new ClusterUnavailableException(
                            "the agent of cluster "
                                + clusterName
                                + " is not connected to this gateway"));
              }
              sent.increment();
              return Uni.createFrom()
                  .completionStage(answer)
                  .ifNoItem()
                  .after(config.timeout())
                  .failWith(
                      () ->
                          new ClusterTimeoutException(
                              "cluster "
                                  + clusterName
                                  + " did not report its live state within "
                                  + config.timeout().toMillis()
                                  + " ms"))
                  .onTermination()
                  .invoke(() -> waiting.remove(queryId));
            });
  }

  /**
   * An agent's report arrived on a link that serves {@code linkClusters} (name → id). A report for
   * a query this replica did not send or that ended already is dropped; one that names a cluster of
   * another link, or answers a query sent to another link, is handed to {@code foreign}.
   */
  void reported(Map<String, UUID> linkClusters, LiveReport report, Runnable foreign) {
    UUID cluster = report.cluster() == null ? null : linkClusters.get(report.cluster());
    if (cluster == null) {
      foreign.run();
      return;
    }
    Waiting w = report.queryId() == null ? null : waiting.get(report.queryId());
    if (w == null) {
      LOG.debugf("dropping a live report for query %s: not waiting for it", report.queryId());
      return;
    }
    if (!w.clusterId().equals(cluster)) {
      foreign.run();
      return;
    }
    w.answer().complete(report);
  }
}
