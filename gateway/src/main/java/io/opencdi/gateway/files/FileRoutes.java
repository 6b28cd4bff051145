package io.opencdi.gateway.files;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.Sessions;
import io.opencdi.gateway.cluster.ClusterEntity;
import io.opencdi.gateway.common.PerUserCount;
import io.opencdi.gateway.common.UnauthenticatedException;
import io.opencdi.gateway.connect.Tunnels;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.protocol.FileOpen;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * File transfer between a user's browser and a running desktop's home (ADR 0042), on plain Vert.x
 * routes because the bytes stream with back-pressure and GraphQL carries none:
 *
 * <ul>
 *   <li>{@code GET /files/v1/{desktop}}: the template's policy and limit, and the files at the top
 *       of the home;
 *   <li>{@code PUT /files/v1/{desktop}/{name}}: a new file (never replaces one);
 *   <li>{@code GET /files/v1/{desktop}/{name}}: a file of the home.
 * </ul>
 *
 * The caller signs in with the session's bearer token, as for GraphQL; the owner or an admin may
 * move files, within the desktop's template's policy as it is now. The bytes go through the agent's
 * dial-back tunnel, never straight to the cluster.
 */
@ApplicationScoped
public class FileRoutes {
  /** Path prefix of the file API. */
  public static final String PREFIX = "/files/v1/";

  /** Path prefix of the prints of the desktop's virtual printer (ADR 0043). */
  public static final String PRINTS_PREFIX = "/prints/v1/";

  private static final Logger LOG = Logger.getLogger(FileRoutes.class);

  private final Sessions sessions;
  private final Db db;
  private final Tunnels tunnels;
  private final FilesConfig config;
  // Requests under way per user on this replica (FilesConfig#maxPerUser).
  private final PerUserCount underWay = new PerUserCount();

  public FileRoutes(Sessions sessions, Db db, Tunnels tunnels, FilesConfig config) {
    this.sessions = sessions;
    this.db = db;
    this.tunnels = tunnels;
    this.config = config;
  }

  /** Counts a request of {@code user} as under way, unless they already have the most allowed. */
  private boolean admit(UUID user) {
    return underWay.take(user, config.maxPerUser());
  }

  private void release(UUID user) {
    underWay.release(user);
  }

  void routes(@Observes Router router) {
    FileOpen.Folder home = FileOpen.Folder.HOME;
    FileOpen.Folder prints = FileOpen.Folder.PRINTS;
    router.get(PREFIX + ":desktop").handler(rc -> handle(rc, home, FileOpen.Op.LIST));
    router.put(PREFIX + ":desktop/:name").handler(rc -> handle(rc, home, FileOpen.Op.UPLOAD));
    router.get(PREFIX + ":desktop/:name").handler(rc -> handle(rc, home, FileOpen.Op.DOWNLOAD));
    router.get(PRINTS_PREFIX + ":desktop").handler(rc -> handle(rc, prints, FileOpen.Op.LIST));
    router
        .get(PRINTS_PREFIX + ":desktop/:name")
        .handler(rc -> handle(rc, prints, FileOpen.Op.DOWNLOAD));
    // Anything else under the prefix (a name that decodes to a path, another method) is a JSON
    // refusal too, not the router's bare status.
    for (String prefix : new String[] {PREFIX, PRINTS_PREFIX}) {
      router
          .route(prefix + "*")
          .order(Integer.MAX_VALUE)
          .handler(
              rc ->
                  refuse(
                      rc,
                      new FileRules.Refusal(
                          400,
                          "VALIDATION",
                          "not a file request: GET /files/v1/{desktop}, PUT or GET"
                              + " /files/v1/{desktop}/{name}, GET /prints/v1/{desktop} or"
                              + " /prints/v1/{desktop}/{name}, where the name is one file name")));
    }
  }

  /** The desktop, its cluster and what the rules need, as the database has them now. */
  /** Who asks about which desktop (null target: no such desktop). */
  private record Asked(Caller caller, Target target) {}

  private record Target(
      UUID desktopId, UUID clusterId, String clusterName, UUID agentId, FileRules.Facts facts) {}

  private void handle(RoutingContext rc, FileOpen.Folder folder, FileOpen.Op op) {
    HttpServerRequest request = rc.request();
    // Nothing of an upload is read before the caller, the desktop and the agent are ready.
    request.pause();
    String name = op == FileOpen.Op.LIST ? null : rc.pathParam("name");
    UUID desktopId;
    try {
      desktopId = UUID.fromString(rc.pathParam("desktop"));
    } catch (IllegalArgumentException malformed) {
      refuse(rc, new FileRules.Refusal(400, "VALIDATION", "the desktop id is not a valid id"));
      return;
    }
    String authorization = request.getHeader("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      rc.response().putHeader("WWW-Authenticate", "Bearer");
      refuse(
          rc,
          new FileRules.Refusal(
              401, "UNAUTHENTICATED", "send the token as Authorization: Bearer <token>"));
      return;
    }
    long declared = declaredLength(request);
    sessions
        .verify(authorization.substring(7).trim())
        .flatMap(session -> target(desktopId).map(t -> new Asked(session.caller(), t)))
        .subscribe()
        .with(
            found -> {
              Caller caller = found.caller();
              Target target = found.target();
              var refusal =
                  FileRules.check(
                      caller.userId(),
                      caller.admin(),
                      target == null ? null : target.facts(),
                      folder,
                      op,
                      name,
                      declared);
              if (refusal.isPresent()) {
                refuse(rc, refusal.get());
                return;
              }
              if (!admit(caller.userId())) {
                refuse(
                    rc,
                    new FileRules.Refusal(
                        429,
                        "OVERLOADED",
                        "at most "
                            + config.maxPerUser()
                            + " file requests of one user at a time; wait for one to end"));
                return;
              }
              // Released when the answer ends or the connection goes, whichever way it ended.
              rc.addEndHandler(ended -> release(caller.userId()));
              LOG.infof(
                  "%s: %s %s of desktop %s",
                  caller.username(),
                  op,
                  (name == null ? "the files" : "'" + name + "'")
                      + (folder == FileOpen.Folder.PRINTS ? " (prints)" : ""),
                  desktopId);
              start(rc, target, folder, op, name);
            },
            e -> {
              if (e instanceof UnauthenticatedException) {
                rc.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                refuse(rc, new FileRules.Refusal(401, "UNAUTHENTICATED", e.getMessage()));
              } else {
                LOG.warnf("file request for desktop %s failed: %s", desktopId, e.toString());
                refuse(rc, new FileRules.Refusal(500, "INTERNAL", "System error"));
              }
            });
  }

  private void start(
      RoutingContext rc, Target target, FileOpen.Folder folder, FileOpen.Op op, String name) {
    if (target.clusterId() == null) {
      refuse(rc, new FileRules.Refusal(409, "INVALID_STATE", "the desktop runs on no cluster"));
      return;
    }
    FileExchange exchange =
        new FileExchange(
            rc,
            op,
            name,
            target.facts().maxBytes(),
            folder == FileOpen.Folder.PRINTS ? null : policyOf(target.facts()),
            config.stallTimeout().toMillis());
    Runnable forget =
        tunnels.requestTunnel(
            target.clusterId(),
            target.clusterName(),
            target.agentId(),
            (tunnelId, dialBackUrl) ->
                new FileOpen(
                    tunnelId,
                    target.desktopId().toString(),
                    target.clusterName(),
                    dialBackUrl,
                    op,
                    name,
                    target.facts().maxBytes(),
                    folder == FileOpen.Folder.HOME ? null : folder),
            exchange);
    exchange.forgetWith(forget);
  }

  private static String policyOf(FileRules.Facts facts) {
    if (facts.uploads() && facts.downloads()) {
      return "BOTH";
    }
    return facts.uploads() ? "UPLOAD" : facts.downloads() ? "DOWNLOAD" : "NONE";
  }

  private Uni<Target> target(UUID desktopId) {
    return db.session(
        s ->
            s.find(DesktopEntity.class, desktopId)
                .flatMap(
                    d ->
                        d == null
                            ? Uni.createFrom().<Target>nullItem()
                            : s.find(TemplateEntity.class, d.templateId)
                                .flatMap(
                                    t ->
                                        (d.clusterId == null
                                                ? Uni.createFrom().<ClusterEntity>nullItem()
                                                : s.find(ClusterEntity.class, d.clusterId))
                                            .map(c -> targetOf(d, t, c)))));
  }

  private static Target targetOf(DesktopEntity d, TemplateEntity t, ClusterEntity c) {
    FileRules.Facts facts =
        new FileRules.Facts(
            d.ownerId,
            d.state,
            t != null,
            t != null && t.fileTransfer.uploads(),
            t != null && t.fileTransfer.downloads(),
            t != null && t.printing,
            t == null ? 0 : FileRules.maxBytes(t.fileTransferMaxMiB));
    return new Target(
        d.id,
        c == null ? null : c.id,
        c == null ? null : c.name,
        c == null ? null : c.tunnelAgent(),
        facts);
  }

  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Answers {@code refusal} as JSON with its status; nothing was changed. */
  static void refuse(RoutingContext rc, FileRules.Refusal refusal) {
    if (rc.response().headWritten() || rc.response().ended()) {
      rc.response().reset();
      return;
    }
    // A download may have set its headers before the agent failed.
    rc.response().headers().remove("Content-Length").remove("Content-Disposition");
    if (!rc.request().isEnded() && rc.request().version() != HttpVersion.HTTP_2) {
      // An unread upload body is not worth keeping an HTTP/1 connection for (HTTP/2 resets the
      // stream alone, and forbids the header).
      rc.response().putHeader("Connection", "close");
    }
    rc.response()
        .setStatusCode(refusal.status())
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(
            new JsonObject()
                .put(
                    "error",
                    new JsonObject().put("code", refusal.code()).put("message", refusal.message()))
                .encode());
  }
}
