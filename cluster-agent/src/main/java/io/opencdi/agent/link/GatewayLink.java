package io.opencdi.agent.link;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import io.opencdi.agent.live.LiveAnswers;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.tunnel.AudioTunnels;
import io.opencdi.agent.tunnel.DialBack;
import io.opencdi.agent.tunnel.FileTunnels;
import io.opencdi.agent.tunnel.TunnelDialer;
import io.opencdi.protocol.AudioOpen;
import io.opencdi.protocol.CapacityUpdate;
import io.opencdi.protocol.CloseCodes;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.Command;
import io.opencdi.protocol.CommandAck;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.Heartbeat;
import io.opencdi.protocol.Hello;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.Message;
import io.opencdi.protocol.PrintJob;
import io.opencdi.protocol.ProtocolCodec;
import io.opencdi.protocol.ProtocolException;
import io.opencdi.protocol.ProtocolVersion;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotStatus;
import io.opencdi.protocol.TunnelOpen;
import io.opencdi.protocol.Welcome;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.BasicWebSocketConnector;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketClientConnection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The agent's end of the control channel: dials out to the gateway, says {@link Hello} with the
 * runtime's clusters and inventory, converges on the {@link Welcome}, executes {@link Command}s,
 * and streams statuses, capacity and heartbeats; reconnects with back-off when the channel drops.
 * The protocol is described in {@code docs/agent-protocol.md}.
 *
 * <p>All of its state is confined to one thread ("opencdi-link"): WebSocket callbacks and runtime
 * events are handed to it, so frames leave in the order they were decided (an ack before the
 * statuses it causes) without locks. That confinement is why it is one class of some 750 lines: the
 * session, the reconnect back-off, the capacity debounce and the pending acknowledgements are one
 * thread's state, and a class holding part of it would have to be told, and checked, which thread
 * may touch it. What needs no such state is apart ({@code Backoff}, the command request, the
 * tunnels).
 */
@Singleton
public class GatewayLink {
  private static final Logger LOG = Logger.getLogger(GatewayLink.class);

  /** Heartbeat interval when the gateway's Welcome names none. */
  static final int DEFAULT_HEARTBEAT_SECONDS = 10;

  /** A gateway silent (not even a pong) for this many heartbeat intervals is treated as gone. */
  static final int SILENT_HEARTBEATS = 3;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Where the link stands. */
  public enum State {
    /** Not connected; a reconnection is scheduled. */
    DISCONNECTED,
    /** Opening the WebSocket. */
    CONNECTING,
    /** Connected, Hello sent, waiting for the Welcome. */
    HELLO_SENT,
    /** Welcomed: the gateway knows this agent's clusters and places desktops on them. */
    WELCOMED,
    /** The application is shutting down. */
    STOPPED
  }

  private final LinkConfig config;
  private final DesktopRuntime runtime;
  private final Instance<BasicWebSocketConnector> connectors;
  private final TunnelDialer tunnels;
  private final FileTunnels files;
  private final AudioTunnels audio;
  private final LiveAnswers live;
  private final ProtocolCodec codec = new ProtocolCodec();
  private final ScheduledExecutorService executor;
  private final String agentId;

  // Confined to the link thread.
  private final Backoff backoff;
  private final Set<String> dirtyClusters = new LinkedHashSet<>();
  private final HeldPrints heldPrints = new HeldPrints();
  private Session session;
  private long sessions;
  private ScheduledFuture<?> capacityFlush;
  private boolean retrying; // the last attempt could not connect: log quieter

  private volatile State state = State.DISCONNECTED;

  GatewayLink(
      LinkConfig config,
      DesktopRuntime runtime,
      Instance<BasicWebSocketConnector> connectors,
      TunnelDialer tunnels,
      FileTunnels files,
      AudioTunnels audio,
      LiveAnswers live) {
    this.files = files;
    this.audio = audio;
    this.live = live;
    this.config = config;
    this.runtime = runtime;
    this.connectors = connectors;
    this.tunnels = tunnels;
    this.agentId = config.id().filter(id -> !id.isBlank()).orElseGet(GatewayLink::hostName);
    this.backoff =
        new Backoff(
            config.reconnect().minDelay(),
            config.reconnect().maxDelay(),
            RandomGenerator.getDefault());
    gatewayUri(); // fail start-up on a malformed URL
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "opencdi-link");
              thread.setDaemon(true);
              return thread;
            });
  }

  void onStart(@Observes StartupEvent event) {
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void statusChanged(DesktopStatus status) {
            submit(() -> sendStatus(status));
          }

          @Override
          public void snapshotChanged(SnapshotStatus status) {
            submit(() -> sendSnapshotStatus(status));
          }

          @Override
          public void capacityChanged(String cluster) {
            submit(() -> markDirty(cluster));
          }

          @Override
          public void printed(PrintJob job) {
            GatewayLink.this.printed(job);
          }
        });
    submit(this::connect);
  }

  /** Announces a finished print job now, or once the gateway welcomes the agent again. */
  void printed(PrintJob job) {
    submit(() -> sendPrintJob(job));
  }

  void onStop(@Observes ShutdownEvent event) {
    submit(
        () -> {
          state = State.STOPPED;
          Session s = session;
          if (s != null && !s.ended) {
            end(s);
            if (s.connection != null) {
              try {
                s.connection.close(CloseReason.NORMAL).await().atMost(Duration.ofSeconds(1));
              } catch (RuntimeException e) {
                LOG.debugf("closing the channel on shutdown failed: %s", e.toString());
              }
            }
          }
          LOG.info("gateway link stopped");
        });
    executor.shutdown();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where the link stands now. */
  public State state() {
    return state;
  }

  /** Whether the channel is open and the gateway has welcomed this agent. */
  public boolean isWelcomed() {
    return state == State.WELCOMED;
  }

  /** This agent's id as sent in Hello. */
  public String agentId() {
    return agentId;
  }

  /** The gateway URL the next connection attempt uses (without the protocol path). */
  public URI gatewayUri() {
    // Read again on every attempt: the value may be an expression such as
    // ws://localhost:${quarkus.http.test-port} that is only known once the HTTP server is bound.
    String url =
        ConfigProvider.getConfig()
            .getOptionalValue("opencdi.agent.gateway-url", String.class)
            .orElse(config.gatewayUrl())
            .trim();
    while (url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "opencdi.agent.gateway-url is not a URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "ws", "wss" -> uri;
      case "http" -> URI.create("ws" + url.substring(4));
      case "https" -> URI.create("wss" + url.substring(5));
      default ->
          throw new IllegalArgumentException(
              "opencdi.agent.gateway-url must start with ws://, wss://, http:// or https://, got "
                  + url);
    };
  }

  // --- connection lifecycle (link thread)

  private void connect() {
    if (state == State.STOPPED) {
      return;
    }
    URI base;
    try {
      base = gatewayUri();
    } catch (IllegalArgumentException e) {
      LOG.error(e.getMessage());
      retryLater(backoff.next());
      return;
    }
    BasicWebSocketConnector connector = connectors.get();
    Session s = new Session(++sessions, connector, base);
    session = s;
    state = State.CONNECTING;
    if (retrying) {
      LOG.debugf("connecting to gateway %s%s as agent %s", base, ProtocolVersion.PATH, agentId);
    } else {
      LOG.infof("connecting to gateway %s%s as agent %s", base, ProtocolVersion.PATH, agentId);
    }
    connector
        .baseUri(base)
        .path(ProtocolVersion.PATH)
        .addHeader("Authorization", "Bearer " + config.token())
        // Callbacks only hand over to the link thread, in arrival order.
        .executionModel(BasicWebSocketConnector.ExecutionModel.NON_BLOCKING)
        .customizeOptions(
            (connect, client) -> connect.setConnectTimeout(CONNECT_TIMEOUT.toMillis()))
        .onTextMessage((c, text) -> submit(() -> onText(s, text)))
        .onPong((c, data) -> submit(() -> s.lastInboundNanos = System.nanoTime()))
        .onClose((c, reason) -> submit(() -> onClosed(s, reason)))
        .onError((c, error) -> submit(() -> onError(s, error)))
        .connect()
        .subscribe()
        .with(
            connection -> submit(() -> onOpen(s, connection)),
            failure -> submit(() -> onConnectFailed(s, failure)));
  }

  private void onOpen(Session s, WebSocketClientConnection connection) {
    if (s != session || s.ended || state == State.STOPPED) {
      connection.close().subscribe().with(ok -> {}, e -> {});
      return;
    }
    s.connection = connection;
    s.lastInboundNanos = System.nanoTime();
    retrying = false;
    List<ClusterReport> clusters = runtime.clusters();
    // Karmada reports a tunnel-only agent's desktops; the gateway would not read them.
    List<DesktopStatus> inventory = config.tunnelOnly() ? List.of() : runtime.inventory();
    send(
        s,
        new Hello(
            ProtocolVersion.CURRENT,
            agentId,
            runtime.kind(),
            clusters,
            inventory,
            config.joinTokens().orElse(List.of()),
            config.tunnelOnly()));
    state = State.HELLO_SENT;
    LOG.infof(
        "connected to gateway %s; hello sent with %d clusters and %d desktops",
        s.base, clusters.size(), inventory.size());
    s.welcomeTimeout =
        executor.schedule(
            () -> guarded(() -> welcomeTimedOut(s)),
            config.welcomeTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private void welcomeTimedOut(Session s) {
    if (s == session && !s.ended && !s.welcomed) {
      LOG.warnf("no welcome from the gateway within %s; reconnecting", config.welcomeTimeout());
      abandon(s, new CloseReason(CloseReason.NORMAL.getCode(), "no welcome"));
    }
  }

  private void onConnectFailed(Session s, Throwable failure) {
    if (s != session || s.ended) {
      return;
    }
    end(s);
    if (state == State.STOPPED) {
      return;
    }
    UpgradeRejectedException rejected = upgradeRejection(failure);
    if (rejected != null && (rejected.getStatus() == 401 || rejected.getStatus() == 403)) {
      backoff.exhaust();
      Duration delay = backoff.next();
      LOG.errorf(
          "the gateway %s rejected the agent token (HTTP %d); check opencdi.agent.token;"
              + " retrying in %d ms",
          s.base, rejected.getStatus(), delay.toMillis());
      retrying = true;
      retryLater(delay);
      return;
    }
    Duration delay = backoff.next();
    LOG.infof(
        "cannot connect to gateway %s: %s; retrying in %d ms",
        s.base, rootMessage(failure), delay.toMillis());
    retrying = true;
    retryLater(delay);
  }

  private void onClosed(Session s, CloseReason reason) {
    if (s != session || s.ended) {
      return;
    }
    end(s);
    if (state == State.STOPPED) {
      return;
    }
    int code = reason == null ? CloseReason.ABNORMAL.getCode() : reason.getCode();
    String text = reason == null || reason.getMessage() == null ? "" : reason.getMessage();
    String meaning = meaning(code);
    Duration delay;
    if (code == CloseCodes.UNAUTHORIZED
        || code == CloseCodes.FORBIDDEN
        || code == CloseCodes.UNSUPPORTED_VERSION) {
      backoff.exhaust();
      delay = backoff.next();
      LOG.errorf(
          "the gateway closed the channel with %d (%s%s); retrying in %d ms",
          code, meaning, text.isEmpty() ? "" : ": " + text, delay.toMillis());
    } else {
      delay = backoff.next();
      LOG.infof(
          "disconnected from gateway (close code %d%s%s); reconnecting in %d ms",
          code,
          meaning.isEmpty() ? "" : ", " + meaning,
          text.isEmpty() ? "" : ": " + text,
          delay.toMillis());
    }
    retryLater(delay);
  }

  private void onError(Session s, Throwable error) {
    // Transport errors are followed by a close; this only leaves a trace.
    LOG.debugf("control channel error (session %d): %s", s.number, error.toString());
  }

  /** Gives up on a session whose peer misbehaves or went silent, and reconnects. */
  private void abandon(Session s, CloseReason reason) {
    end(s);
    if (s.connection != null) {
      s.connection.close(reason).subscribe().with(ok -> {}, e -> {});
    }
    if (state != State.STOPPED) {
      Duration delay = backoff.next();
      LOG.infof("reconnecting in %d ms", delay.toMillis());
      retryLater(delay);
    }
  }

  private void end(Session s) {
    s.ended = true;
    s.welcomed = false;
    cancel(s.heartbeat);
    cancel(s.welcomeTimeout);
    cancel(capacityFlush);
    capacityFlush = null;
    if (state != State.STOPPED) {
      state = State.DISCONNECTED;
    }
    try {
      connectors.destroy(s.connector);
    } catch (RuntimeException e) {
      LOG.debugf("releasing the connector failed: %s", e.toString());
    }
  }

  private void retryLater(Duration delay) {
    if (state == State.STOPPED) {
      return;
    }
    state = State.DISCONNECTED;
    try {
      executor.schedule(() -> guarded(this::connect), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  // --- inbound frames (link thread)

  private void onText(Session s, String text) {
    if (s != session || s.ended) {
      return;
    }
    s.lastInboundNanos = System.nanoTime();
    Message message;
    try {
      message = codec.decode(text);
    } catch (ProtocolException e) {
      if (e.getCause() instanceof InvalidTypeIdException unknown && unknown.getTypeId() != null) {
        // A newer gateway may send frame types this agent does not know yet.
        LOG.warnf("ignoring a frame of a type this agent does not know (%s)", e.getMessage());
        return;
      }
      LOG.warnf("malformed frame from the gateway (%s); closing the channel", e.getMessage());
      abandon(s, new CloseReason(CloseCodes.PROTOCOL_ERROR, "malformed frame"));
      return;
    }
    switch (message) {
      case Welcome welcome -> onWelcome(s, welcome);
      case Command command -> onCommand(s, command);
      case TunnelOpen open ->
          tunnels.open(
              open,
              new DialBack(s.base, config.token(), config.dialBackHosts().orElse(List.of())),
              refused -> submit(() -> send(s, refused)));
      case FileOpen open ->
          files.open(
              open,
              new DialBack(s.base, config.token(), config.dialBackHosts().orElse(List.of())),
              refused -> submit(() -> send(s, refused)));
      case AudioOpen open ->
          audio.open(
              open,
              new DialBack(s.base, config.token(), config.dialBackHosts().orElse(List.of())),
              refused -> submit(() -> send(s, refused)));
      case LiveQuery query -> live.answer(query, report -> submit(() -> send(s, report)));
      default ->
          LOG.warnf(
              "ignoring a %s frame from the gateway; it only sends welcome, command, tunnel-open,"
                  + " file-open, audio-open and live-query",
              message.getClass().getSimpleName());
    }
  }

  private void onWelcome(Session s, Welcome welcome) {
    if (welcome.protocolVersion() != ProtocolVersion.CURRENT) {
      LOG.errorf(
          "the gateway speaks protocol version %d, this agent %d; closing",
          welcome.protocolVersion(), ProtocolVersion.CURRENT);
      backoff.exhaust();
      abandon(s, new CloseReason(CloseCodes.UNSUPPORTED_VERSION, "protocol version"));
      return;
    }
    s.welcomed = true;
    cancel(s.welcomeTimeout);
    backoff.reset();
    int seconds =
        welcome.heartbeatSeconds() > 0 ? welcome.heartbeatSeconds() : DEFAULT_HEARTBEAT_SECONDS;
    cancel(s.heartbeat);
    s.heartbeat =
        executor.scheduleAtFixedRate(
            () -> guarded(() -> heartbeat(s, seconds)), seconds, seconds, TimeUnit.SECONDS);
    if (config.tunnelOnly()) {
      // Karmada propagates the desktops; the link only carries tunnels and snapshots.
      state = State.WELCOMED;
      LOG.infof("welcomed by the gateway as a tunnel-only agent; heartbeat every %d s", seconds);
      for (PrintJob job : heldPrints.release(System.currentTimeMillis())) {
        send(s, job);
      }
      return;
    }
    WelcomeConvergence.Outcome outcome =
        WelcomeConvergence.converge(
            runtime, welcome.desired(), welcome.deleted(), System::currentTimeMillis);
    for (DesktopStatus failed : outcome.refused()) {
      send(s, failed);
    }
    // Ready only now: whoever waits for readiness finds the desktops the Welcome asked for in
    // the inventory.
    state = State.WELCOMED;
    LOG.infof(
        "welcomed by the gateway: %d desired desktops (%d on, %d off, %d refused),"
            + " %d deleted by the gateway; heartbeat every %d s",
        welcome.desired().size(),
        outcome.started(),
        outcome.stopped(),
        outcome.refused().size(),
        outcome.deleted(),
        seconds);
    if (outcome.unknown() > 0) {
      LOG.warnf(
          "%d desktops here are unknown to the gateway (was its database restored from an older"
              + " backup?); they are left as they are, with their data",
          outcome.unknown());
    }
    for (ClusterReport cluster : runtime.clusters()) {
      dirtyClusters.add(cluster.name());
    }
    scheduleCapacityFlush();
    for (PrintJob job : heldPrints.release(System.currentTimeMillis())) {
      send(s, job);
    }
  }

  private void onCommand(Session s, Command command) {
    Admission admission;
    try {
      admission = apply(command);
    } catch (RuntimeException e) {
      LOG.errorf(e, "command %s failed", command.commandId());
      admission = Admission.refuse("agent error: " + e.getMessage());
    }
    send(s, new CommandAck(command.commandId(), admission.accepted(), admission.reason()));
    if (!admission.accepted()) {
      LOG.infof(
          "refused command %s (%s): %s", command.commandId(), command.kind(), admission.reason());
    }
  }

  private Admission apply(Command command) {
    DesktopSpec desktop = command.desktop();
    if (command.kind() == null || desktop == null) {
      return Admission.refuse("command needs a kind and a desktop");
    }
    if (config.tunnelOnly() && !command.kind().snapshots()) {
      return Admission.refuse(
          "this agent serves tunnels and snapshots only; Karmada carries " + command.kind());
    }
    SnapshotSpec snapshot = command.snapshot();
    return switch (command.kind()) {
      case START -> runtime.start(desktop);
      case STOP -> runtime.stop(desktop);
      case DELETE -> runtime.delete(desktop.cluster(), desktop.id());
      case SNAPSHOT ->
          snapshot == null
              ? Admission.refuse("a SNAPSHOT command needs a snapshot")
              : runtime.snapshot(snapshot);
      case DELETE_SNAPSHOT ->
          snapshot == null
              ? Admission.refuse("a DELETE_SNAPSHOT command needs a snapshot")
              : runtime.deleteSnapshot(snapshot.cluster(), snapshot.id());
    };
  }

  // --- outbound frames (link thread)

  private void heartbeat(Session s, int seconds) {
    if (s != session || s.ended) {
      return;
    }
    long silentNanos = System.nanoTime() - s.lastInboundNanos;
    if (silentNanos > TimeUnit.SECONDS.toNanos((long) seconds * SILENT_HEARTBEATS)) {
      LOG.warnf(
          "the gateway has been silent for %d s (not even a pong); reconnecting",
          TimeUnit.NANOSECONDS.toSeconds(silentNanos));
      abandon(s, new CloseReason(CloseReason.NORMAL.getCode(), "gateway silent"));
      return;
    }
    send(s, new Heartbeat(System.currentTimeMillis()));
    // The gateway's WebSocket stack answers pings by itself: a pong proves it is alive.
    s.connection.sendPing(Buffer.buffer("hb")).subscribe().with(ok -> {}, e -> {});
  }

  private void sendStatus(DesktopStatus status) {
    Session s = session;
    // Statuses from before the Hello are part of its inventory; Karmada carries a tunnel-only
    // agent's.
    if (s != null && !s.ended && s.connection != null && !config.tunnelOnly()) {
      send(s, status);
    }
  }

  private void sendSnapshotStatus(SnapshotStatus status) {
    Session s = session;
    // A status lost while the link is down is re-reported when the gateway repeats its command.
    if (s != null && s.welcomed && !s.ended && s.connection != null) {
      send(s, status);
    }
  }

  private void sendPrintJob(PrintJob job) {
    Session s = session;
    if (s != null && s.welcomed && !s.ended && s.connection != null) {
      send(s, job);
    } else {
      heldPrints.hold(job); // announced after the next Welcome
    }
  }

  private void markDirty(String cluster) {
    if (config.tunnelOnly()) {
      return; // Karmada reports the cluster's capacity
    }
    dirtyClusters.add(cluster);
    scheduleCapacityFlush();
  }

  private void scheduleCapacityFlush() {
    Session s = session;
    if (capacityFlush == null && s != null && s.welcomed && !s.ended) {
      capacityFlush =
          executor.schedule(
              () -> guarded(this::flushCapacity),
              config.capacityInterval().toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private void flushCapacity() {
    capacityFlush = null;
    Session s = session;
    if (s == null || !s.welcomed || s.ended) {
      return; // the next Welcome reports every cluster anyway
    }
    for (String cluster : dirtyClusters) {
      runtime
          .cluster(cluster)
          .map(report -> new CapacityUpdate(report, runtime.isReady(cluster)))
          // What a cluster reports rarely changes when desktops come and go; a ready cluster's
          // report is sent only when it does. Not ready is said every time: older gateways
          // marked a cluster ready again at each heartbeat.
          .filter(update -> !update.ready() || !update.equals(s.capacitySent.get(cluster)))
          .ifPresent(
              update -> {
                s.capacitySent.put(cluster, update);
                send(s, update);
              });
    }
    dirtyClusters.clear();
  }

  private void send(Session s, Message message) {
    if (s.ended || s.connection == null) {
      return;
    }
    String text = codec.encode(message);
    s.connection
        .sendText(text)
        .subscribe()
        .with(
            ok -> {},
            e ->
                LOG.debugf(
                    "sending a %s frame failed: %s",
                    message.getClass().getSimpleName(), e.toString()));
  }

  // --- helpers

  private void submit(Runnable task) {
    try {
      executor.execute(() -> guarded(task));
    } catch (RejectedExecutionException e) {
      // The link is shutting down; nothing more goes out.
    }
  }

  private static void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("gateway link task failed", e);
    }
  }

  private static void cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
  }

  private static String meaning(int code) {
    return switch (code) {
      case CloseCodes.UNAUTHORIZED -> "agent token unknown or revoked";
      case CloseCodes.FORBIDDEN -> "a cluster of this agent belongs to another agent";
      case CloseCodes.UNSUPPORTED_VERSION -> "protocol version not supported";
      case CloseCodes.PROTOCOL_ERROR -> "the gateway could not read a frame";
      case 1001 -> "gateway going away";
      case 1006 -> "connection lost";
      default -> "";
    };
  }

  private static UpgradeRejectedException upgradeRejection(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof UpgradeRejectedException rejected) {
        return rejected;
      }
    }
    return null;
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "cluster-agent";
    }
  }

  /** One WebSocket connection and what happened on it. */
  private static final class Session {
    final long number;
    final BasicWebSocketConnector connector;
    final URI base;
    WebSocketClientConnection connection;
    boolean welcomed;
    boolean ended;
    long lastInboundNanos = System.nanoTime();
    ScheduledFuture<?> heartbeat;
    ScheduledFuture<?> welcomeTimeout;
    // The last capacity update sent per cluster in this session; a new session sends afresh.
    final java.util.Map<String, CapacityUpdate> capacitySent = new java.util.HashMap<>();

    Session(long number, BasicWebSocketConnector connector, URI base) {
      this.number = number;
      this.connector = connector;
      this.base = base;
    }
  }
}
