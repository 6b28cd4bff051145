package io.opencdi.gateway.applayer;

import io.opencdi.gateway.common.UniqueViolations;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The catalogue of application layers. Layers are only ever added: none changes or goes away. */
@ApplicationScoped
public class AppLayerRepository {
  private static final String COLUMNS = "id, name, version, image, created_at";

  /** A layer with when it was added. */
  public record Stored(Layer layer, OffsetDateTime createdAt) {}

  private final Pool pool;

  public AppLayerRepository(Pool pool) {
    this.pool = pool;
  }

  /** Every layer, by name, newest version last. */
  public Uni<List<Stored>> all() {
    return pool.preparedQuery(
            "select " + COLUMNS + " from app_layer order by name, created_at, version")
        .execute()
        .map(
            rows -> {
              List<Stored> out = new ArrayList<>();
              rows.forEach(r -> out.add(read(r)));
              return out;
            });
  }

  /** Adds a layer; one of the same name and version exists already: {@code CONFLICT}. */
  public Uni<Stored> insert(String name, String version, String image) {
    return pool.preparedQuery(
            "insert into app_layer (id, name, version, image) values ($1, $2, $3, $4)"
                + " returning "
                + COLUMNS)
        .execute(Tuple.of(UUID.randomUUID(), name, version, image))
        .map(rows -> read(rows.iterator().next()))
        .onFailure()
        .transform(
            UniqueViolations.asConflict(
                "layer "
                    + name
                    + " "
                    + version
                    + " exists; layers do not change, add a new version instead"));
  }

  /** The layers of {@code ids} that exist, by id, through {@code client} (a pool or a tx). */
  public Uni<Map<UUID, Layer>> byIds(SqlClient client, Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return client
        .preparedQuery("select " + COLUMNS + " from app_layer where id = any($1)")
        .execute(Tuple.of(ids.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, Layer> byId = new HashMap<>();
              rows.forEach(r -> byId.put(r.getUUID("id"), read(r).layer()));
              return byId;
            });
  }

  /** {@link #byIds(SqlClient, Collection)} outside any transaction. */
  public Uni<Map<UUID, Layer>> byIds(Collection<UUID> ids) {
    return byIds(pool, ids);
  }

  private static Stored read(Row r) {
    return new Stored(
        new Layer(
            r.getUUID("id"), r.getString("name"), r.getString("version"), r.getString("image")),
        r.getOffsetDateTime("created_at"));
  }
}
