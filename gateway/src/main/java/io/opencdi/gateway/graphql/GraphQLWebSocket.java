package io.opencdi.gateway.graphql;

import io.opencdi.gateway.auth.RequestSession;
import io.opencdi.gateway.auth.SessionEnds;
import io.opencdi.gateway.auth.Sessions;
import io.quarkus.arc.Arc;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The {@code /graphql} WebSocket (graphql-transport-ws), in place of SmallRye GraphQL's own
 * handler, which has no initialisation timeout, no message limit of its own, no limit on operations
 * and checks the token once, at the start. Each socket is a {@link GraphQLConnection}; operations
 * run through SmallRye GraphQL's {@code ExecutionService} like HTTP requests do. See
 * docs/adr/0023-graphql-edge.md and the close codes in docs/api.md.
 */
@ApplicationScoped
public class GraphQLWebSocket {
  private static final Logger LOG = Logger.getLogger(GraphQLWebSocket.class);
  static final String SUBPROTOCOL = "graphql-transport-ws";
  // SmallRye GraphQL registers its own WebSocket handler on the same path with order -99.
  static final int ORDER = -120;

  private final Vertx vertx;
  private final Sessions sessions;
  private final SessionEnds ends;
  private final RequestGuard guard;
  private final GraphQLLimits.WebSocket limits;
  private final String path;
  private final SocketMeters meters;
  private final SubscriptionGroups groups;
  // One thread for every group's hand-outs: it only queues writes, and waits while the loops have
  // many queued (WriteBacklog); meanwhile the events of a group gather into larger batches.
  private final ExecutorService fanOut =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("graphql-fan-out").daemon().factory());
  // A request's next step waits behind at most this many connection writes on its loop.
  private final WriteBacklog backlog;
  private final Map<UUID, AtomicInteger> operationsByUser = new ConcurrentHashMap<>();

  public GraphQLWebSocket(
      Vertx vertx,
      Sessions sessions,
      SessionEnds ends,
      RequestGuard guard,
      GraphQLLimits limits,
      SocketMeters meters,
      @ConfigProperty(name = "quarkus.smallrye-graphql.root-path") String path) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.ends = ends;
    this.guard = guard;
    this.limits = limits.websocket();
    this.path = path;
    this.meters = meters;
    this.backlog = new WriteBacklog(this.limits.writeBacklog(), TimeUnit.SECONDS.toNanos(1));
    this.groups = new SubscriptionGroups(meters, fanOut, backlog);
  }

  @PreDestroy
  void stopFanOut() {
    fanOut.shutdownNow();
  }

  void register(@Observes Router router) {
    router.route(path).order(ORDER).handler(this::upgrade);
  }

  static boolean isUpgrade(RoutingContext ctx) {
    return ctx.request().headers().contains(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET, true);
  }

  private void upgrade(RoutingContext ctx) {
    if (!isUpgrade(ctx)) {
      ctx.next();
      return;
    }
    ctx.request()
        .toWebSocket()
        .onSuccess(
            ws -> {
              if (!SUBPROTOCOL.equals(ws.subProtocol())) {
                ws.close(GraphQLCloseCodes.SUBPROTOCOL_NOT_ACCEPTABLE, "use graphql-transport-ws");
                return;
              }
              new GraphQLConnection(ws, ctx.request().connection(), vertx, this).start();
            })
        .onFailure(e -> LOG.debugf("GraphQL WebSocket upgrade failed: %s", e.getMessage()));
  }

  Sessions sessions() {
    return sessions;
  }

  SessionEnds ends() {
    return ends;
  }

  RequestGuard guard() {
    return guard;
  }

  GraphQLLimits.WebSocket limits() {
    return limits;
  }

  WriteBacklog backlog() {
    return backlog;
  }

  SocketMeters meters() {
    return meters;
  }

  SubscriptionGroups groups() {
    return groups;
  }

  RequestSession requestSession() {
    return Arc.container().instance(RequestSession.class).get();
  }

  /** Counts an operation of {@code user}; false (and nothing counted) when at the limit. */
  boolean acquire(UUID user) {
    AtomicInteger count = operationsByUser.computeIfAbsent(user, u -> new AtomicInteger());
    if (count.incrementAndGet() > limits.maxOperationsPerUser()) {
      count.decrementAndGet();
      return false;
    }
    return true;
  }

  void release(UUID user) {
    operationsByUser.computeIfPresent(user, (u, c) -> c.decrementAndGet() <= 0 ? null : c);
  }
}
