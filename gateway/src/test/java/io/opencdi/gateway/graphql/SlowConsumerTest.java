package io.opencdi.gateway.graphql;

import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.desktop.DesktopEventBus;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.testing.GraphQLSocket;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.StallingSocket;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The slow-consumer attack on the {@code /graphql} WebSocket, performed on a real socket: an admin
 * console subscribes to every desktop's events and stops reading while events pour in. The gateway
 * does not hold the events for it nor wait for it: past {@code max-queued-bytes} its subscription
 * ends and its connection is closed with 4503 — read again in time, the console finds what was
 * queued and then the close; never read again, its connection is reset after the grace — while
 * another admin console, a member of the same subscription group, receives every event.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SlowConsumerTest {
  /**
   * What both consoles subscribe with: one group. Without the desktop's cluster, which the
   * announced desktop (never placed) does not have.
   */
  private static final String EVENTS =
      "subscription SlowEvents { desktopEvents { previousState at desktop { id name state"
          + " statusReason } } }";

  /** Bytes of each event's status reason: events of ~6 KiB fill buffers fast and fit a NOTIFY. */
  private static final int REASON_BYTES = 6000;

  /** The stalled console offers a window this small, so the kernel holds little for it. */
  private static final int RECEIVE_BUFFER = 8192;

  /** Published at most before the gateway must have given up on the stalled console. */
  private static final int MAX_EVENTS = 3000;

  private static final int BATCH = 20;

  @TestHTTPResource("/")
  URL base;

  @Inject MeterRegistry meters;
  @Inject DesktopEventBus desktopEvents;
  @Inject GraphQLLimits limits;

  /** One desktop whose changes are announced in volume, each numbered in its status reason. */
  private final class Flood {
    final String desktopId = UUID.randomUUID().toString();

    /** Events are told apart by the name: the API shows the id in its own form. */
    final String name = "slow-" + desktopId.substring(0, 8);

    final UUID owner;
    final UUID template = UUID.randomUUID();
    int published;

    /** The last event the stalling console read before it stopped reading. */
    int stalledFrom = -1;

    Flood(UUID owner) {
      this.owner = owner;
    }

    /** Announces the next {@code n} changes, as a replica does after committing them. */
    void publish(int n) {
      List<DesktopEventBus.Change> changes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        changes.add(new DesktopEventBus.Change(desktop(published++), DesktopState.STARTING));
      }
      desktopEvents.publishAll(changes).await().atMost(Duration.ofSeconds(30));
    }

    private Desktop desktop(int seq) {
      String reason = ("#" + seq + " ").concat("x".repeat(REASON_BYTES));
      OffsetDateTime now = OffsetDateTime.now();
      return new Desktop(
          desktopId,
          name,
          DesktopState.RUNNING,
          Power.ON,
          1000,
          2048,
          "runc",
          "longhorn",
          "opencdi/desktop",
          null,
          reason,
          null,
          DesktopHealth.OK,
          null,
          false,
          java.util.List.of(),
          now,
          now,
          owner,
          template,
          null,
          null);
    }

    /** The numbers of this flood's events among {@code payloads} ({@code next} payloads). */
    List<Integer> seen(List<JsonObject> payloads) {
      return payloads.stream()
          .map(p -> p.getJsonObject("data"))
          .filter(Objects::nonNull)
          .map(d -> d.getJsonObject("desktopEvents"))
          .filter(e -> e != null && name.equals(e.getJsonObject("desktop").getString("name")))
          .map(e -> e.getJsonObject("desktop").getString("statusReason"))
          .map(r -> Integer.parseInt(r.substring(1, r.indexOf(' '))))
          .toList();
    }

    List<Integer> seenBy(GraphQLSocket ws) {
      return seen(ws.ofType("next").stream().map(m -> m.getJsonObject("payload")).toList());
    }

    List<Integer> all() {
      return IntStream.range(0, published).boxed().toList();
    }
  }

  private double count(String meter) {
    return meters.get(meter).counter().count();
  }

  /**
   * Subscribes a well-behaved console and a stalling one, both admins, with the same document and
   * variables (one group); makes sure both are members (each reads the first event); then stops
   * reading on the stalling one and announces changes until the gateway gives up on it. The
   * well-behaved console is checked to have received every event announced so far after each batch.
   */
  private Flood floodUntilClosed(String admin, GraphQLSocket reading, StallingSocket stalling)
      throws Exception {
    UUID owner = UUID.fromString(run(admin, "auth", "Me").getString("data.me.id"));
    Flood flood = new Flood(owner);
    reading.subscribe("events", EVENTS, "SlowEvents", new JsonObject());
    stalling.subscribe("events", EVENTS, "SlowEvents", new JsonObject());
    // Both are in the group once each has received an event announced after it subscribed.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              flood.publish(1);
              assertThat(flood.seenBy(reading))
                  .as(
                      "received %s, the last %s",
                      reading.ofType("next").size(),
                      reading.ofType("next").stream()
                          .reduce((a, b) -> b)
                          .map(m -> m.encode().replaceAll("x{100,}", "…"))
                          .orElse(""))
                  .isNotEmpty();
            });
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (flood.stalledFrom < 0) {
      assertThat(System.nanoTime())
          .as("the stalling console received no event")
          .isLessThan(deadline);
      StallingSocket.Frame f = stalling.poll(Duration.ofMillis(500));
      if (f == null) {
        flood.publish(1); // it joined after the last one
        continue;
      }
      JsonObject m = new JsonObject(f.text());
      if ("next".equals(m.getString("type"))) {
        List<Integer> seq = flood.seen(List.of(m.getJsonObject("payload")));
        if (!seq.isEmpty()) {
          flood.stalledFrom = seq.get(0);
        }
      }
    }
    // From here on the stalling console reads nothing.
    double closedBefore = count(SocketMeters.SLOW_CLOSED);
    while (count(SocketMeters.SLOW_CLOSED) == closedBefore) {
      assertThat(flood.published)
          .as("the gateway still writes to a console that has not read %d events", MAX_EVENTS)
          .isLessThan(MAX_EVENTS);
      flood.publish(BATCH);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  count(SocketMeters.SLOW_CLOSED) > closedBefore
                      || flood.seenBy(reading).size() >= flood.published);
    }
    assertThat(count(SocketMeters.SLOW_CLOSED)).isEqualTo(closedBefore + 1);
    return flood;
  }

  /** The numbers of the flood's events among the frames the stalled console read at last. */
  private static List<Integer> numbers(Flood flood, List<StallingSocket.Frame> frames) {
    // A stalling console is never skipped ahead: what it gets is what followed its last read.
    List<JsonObject> payloads = new ArrayList<>();
    for (StallingSocket.Frame f : frames) {
      assertThat(f.opcode()).isEqualTo(StallingSocket.Frame.TEXT);
      JsonObject m = new JsonObject(f.text());
      assertThat(m.getString("type")).as(m.encode()).isEqualTo("next");
      assertThat(m.getString("id")).isEqualTo("events");
      payloads.add(m.getJsonObject("payload"));
    }
    List<Integer> seen = flood.seen(payloads);
    assertThat(seen)
        .isEqualTo(
            IntStream.rangeClosed(1, seen.size()).map(i -> flood.stalledFrom + i).boxed().toList());
    return seen;
  }

  /** The console that kept reading received every event, in order, once, and still receives. */
  private static void assertReceivesEverything(Flood flood, GraphQLSocket reading) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> flood.seenBy(reading).size() >= flood.published);
    assertThat(flood.seenBy(reading)).isEqualTo(flood.all());
    flood.publish(BATCH);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> flood.seenBy(reading).size() >= flood.published);
    assertThat(flood.seenBy(reading)).isEqualTo(flood.all());
    assertThat(reading.closeCode()).isNull();
    assertThat(reading.ofType("error")).isEmpty();
    assertThat(reading.ofType("complete")).isEmpty();
  }

  @Test
  void aConsoleThatStopsReadingIsClosedWith4503BehindWhatWasQueuedWhileTheOtherMemberReceivesAll()
      throws Exception {
    String admin = login("admin");
    double resetBefore = count(SocketMeters.SLOW_RESET);
    try (GraphQLSocket reading = GraphQLSocket.signedIn(base.getPort(), admin);
        StallingSocket stalling = StallingSocket.signedIn(base.getPort(), admin, RECEIVE_BUFFER)) {
      Flood flood = floodUntilClosed(admin, reading, stalling);

      // The console reads again at once, well within the grace: it finds the events that were
      // queued for it — in order, without a gap — and then the close, 4503. Nothing follows it.
      StallingSocket.Ending ending = stalling.readToEnd();
      assertThat(ending.failure()).as("the connection ended without a close frame").isNull();
      assertThat(ending.close().closeCode()).isEqualTo(GraphQLCloseCodes.SLOW_CONSUMER);
      List<Integer> caughtUp = numbers(flood, ending.frames());
      // It fell behind: the gateway did not hold everything for it.
      assertThat(caughtUp.size()).isLessThan(flood.published - flood.stalledFrom - 1);
      stalling.closeWith(GraphQLCloseCodes.SLOW_CONSUMER);
      assertThat(stalling.endsHere()).isTrue();

      assertReceivesEverything(flood, reading);
      assertThat(count(SocketMeters.SLOW_RESET)).isEqualTo(resetBefore);
      // The queue grew to the bound and never past it.
      double queuedMax = meters.get(SocketMeters.QUEUED_MAX).gauge().value();
      int bound = limits.websocket().maxQueuedBytes();
      assertThat(queuedMax).isLessThanOrEqualTo(bound).isGreaterThan(bound - 2.0 * REASON_BYTES);
    }
  }

  @Test
  void aConsoleThatNeverReadsAgainIsResetAfterTheGraceWhileTheOtherMemberReceivesAll()
      throws Exception {
    String admin = login("admin");
    double resetBefore = count(SocketMeters.SLOW_RESET);
    try (GraphQLSocket reading = GraphQLSocket.signedIn(base.getPort(), admin);
        StallingSocket stalling = StallingSocket.signedIn(base.getPort(), admin, RECEIVE_BUFFER)) {
      Flood flood = floodUntilClosed(admin, reading, stalling);

      // The close frame waits behind the queue the console does not read; after the grace the
      // gateway stops waiting and resets the connection, letting go of everything queued for it.
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                try {
                  stalling.ping();
                  return false;
                } catch (IOException reset) {
                  return true;
                }
              });
      assertThat(count(SocketMeters.SLOW_RESET)).isEqualTo(resetBefore + 1);
      // Whatever the kernel still held for it ends in the reset, not in a close frame.
      StallingSocket.Ending ending = stalling.readToEnd();
      assertThat(ending.close()).isNull();
      assertThat(ending.failure()).isNotNull();
      numbers(flood, ending.frames());

      assertReceivesEverything(flood, reading);
    }
  }
}
