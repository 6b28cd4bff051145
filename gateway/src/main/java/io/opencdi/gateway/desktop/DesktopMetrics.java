package io.opencdi.gateway.desktop;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.protocol.DesktopState;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Desktops by state as a gauge, counted in the database every few seconds. */
@ApplicationScoped
public class DesktopMetrics {
  private final Pool pool;
  private final Map<DesktopState, AtomicLong> counts = new EnumMap<>(DesktopState.class);

  public DesktopMetrics(Pool pool, MeterRegistry meters) {
    this.pool = pool;
    for (DesktopState state : DesktopState.values()) {
      AtomicLong value = new AtomicLong();
      counts.put(state, value);
      Gauge.builder("opencdi.desktops", value, AtomicLong::doubleValue)
          .description("Desktops by state")
          .tag("state", state.name())
          .register(meters);
    }
  }

  @Scheduled(every = "10s", delayed = "1s")
  Uni<Void> count() {
    return pool.query("select state, count(*) from desktop group by state")
        .execute()
        .invoke(
            rows -> {
              counts.values().forEach(v -> v.set(0));
              for (Row r : rows) {
                counts.get(DesktopState.valueOf(r.getString(0))).set(r.getLong(1));
              }
            })
        .replaceWithVoid()
        .onFailure()
        .recoverWithNull();
  }
}
