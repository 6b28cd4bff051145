package io.opencdi.agent.live;

import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Answers the gateway's {@link LiveQuery}s off the link thread: a runtime reads {@code /proc} or
 * asks the API server, which may take a moment, and the link must keep sending heartbeats and
 * statuses meanwhile. Queries of different clusters are answered independently, so one slow cluster
 * does not hold up the others.
 */
@Singleton
public class LiveAnswers {
  private static final Logger LOG = Logger.getLogger(LiveAnswers.class);

  private final DesktopRuntime runtime;
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("opencdi-live-", 0).factory());

  public LiveAnswers(DesktopRuntime runtime) {
    this.runtime = runtime;
  }

  /** Reads what {@code query} asks for and hands the report to {@code reply} (on a worker). */
  public void answer(LiveQuery query, Consumer<LiveReport> reply) {
    try {
      workers.execute(() -> reply.accept(read(query)));
    } catch (RejectedExecutionException e) {
      // shutting down: the gateway times the query out
    }
  }

  LiveReport read(LiveQuery query) {
    if (query.queryId() == null || query.cluster() == null) {
      return LiveReport.failed(query, "a live query needs a queryId and a cluster");
    }
    try {
      return runtime.live(query);
    } catch (RuntimeException e) {
      LOG.warnf(e, "reading the live state of cluster %s failed", query.cluster());
      return LiveReport.failed(query, "the agent could not read the cluster: " + e.getMessage());
    }
  }

  @PreDestroy
  void close() {
    workers.shutdownNow();
  }
}
