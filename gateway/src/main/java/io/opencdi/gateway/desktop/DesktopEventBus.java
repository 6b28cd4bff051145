package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.db.Notifications;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.desktop.api.DesktopEvent;
import io.opencdi.gateway.desktop.api.PrintedFile;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.List;

/** Publishes desktop changes to every replica and fans them out to local subscribers. */
@ApplicationScoped
public class DesktopEventBus {
  private final Notifications notifications;

  private final BroadcastProcessor<DesktopEvent> local = BroadcastProcessor.create();

  public DesktopEventBus(Notifications notifications) {
    this.notifications = notifications;
  }

  @PostConstruct
  void listen() {
    notifications.listen(
        Channels.DESKTOP,
        json -> {
          String previous = json.getString("previousState");
          JsonObject printed = json.getJsonObject("printed");
          local.onNext(
              new DesktopEvent(
                  Desktop.fromJson(json.getJsonObject("desktop")),
                  previous == null ? null : DesktopState.valueOf(previous),
                  OffsetDateTime.parse(json.getString("at")),
                  printed == null
                      ? null
                      : new PrintedFile(
                          printed.getString("name"),
                          printed.getLong("sizeBytes"),
                          OffsetDateTime.parse(printed.getString("printedAt")))));
        });
  }

  /** Announces a change after it was committed. */
  public Uni<Void> publish(Desktop desktop, DesktopState previousState) {
    return notifications.publish(Channels.DESKTOP, event(desktop, previousState));
  }

  /** Announces a PDF {@code desktop} printed; its state is unchanged. */
  public Uni<Void> publishPrinted(Desktop desktop, PrintedFile printed) {
    return notifications.publish(
        Channels.DESKTOP,
        event(desktop, desktop.state())
            .put(
                "printed",
                new JsonObject()
                    .put("name", printed.name())
                    .put("sizeBytes", printed.sizeBytes())
                    .put("printedAt", printed.printedAt().toString())));
  }

  /** Announces changes committed together, in order, in one round trip. */
  public Uni<Void> publishAll(List<Change> changes) {
    return notifications.publishAll(
        Channels.DESKTOP, changes.stream().map(c -> event(c.desktop(), c.previous())).toList());
  }

  static JsonObject event(Desktop desktop, DesktopState previousState) {
    return new JsonObject()
        .put("desktop", desktop.toJson())
        .put("previousState", previousState == null ? null : previousState.name())
        .put("at", OffsetDateTime.now().toString());
  }

  /** A desktop as it became, and the state it left. */
  public record Change(Desktop desktop, DesktopState previous) {}

  /**
   * Every change heard by this replica from now on. A broadcast fails any subscriber that has not
   * asked for the next item yet, and a subscription is often still resolving the previous event's
   * fields when a burst arrives; each subscriber therefore gets a bounded buffer and fails only
   * when it falls more than {@link Notifications#SUBSCRIBER_BUFFER} events behind.
   */
  public Multi<DesktopEvent> stream() {
    return local.onOverflow().buffer(Notifications.SUBSCRIBER_BUFFER);
  }
}
