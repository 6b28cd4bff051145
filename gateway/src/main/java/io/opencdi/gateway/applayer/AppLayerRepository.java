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

/**
 * The catalogue of application layers. A layer never changes; an admin may take one out of the
 * catalogue once no template names it (desktops keep theirs: they hold layers by value).
 */
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

  /** What {@link #delete} did. */
  public sealed interface Deletion {
    /** The layer left the catalogue. */
    record Deleted() implements Deletion {}

    /** No layer has that id. */
    record Unknown() implements Deletion {}

    /** Templates (by name) still name the layer; nothing changed. */
    record InUse(List<String> templates) implements Deletion {}
  }

  /**
   * Takes the layer {@code id} out of the catalogue unless a template names it among its default
   * apps: one statement, so a template naming it is seen whatever else runs meanwhile.
   */
  public Uni<Deletion> delete(UUID id) {
    return pool.preparedQuery(
            "with used as (select t.name from template t"
                + " where nullif(t.app_layers, '')::jsonb @> jsonb_build_array(jsonb_build_object('id', $2::text))),"
                + " gone as (delete from app_layer where id = $1 and not exists (select 1 from used)"
                + " returning id)"
                + " select (select count(*) from gone) as deleted,"
                + " exists (select 1 from app_layer where id = $1) as known,"
                + " array(select name from used order by name) as templates")
        .execute(Tuple.of(id, id.toString()))
        .map(
            rows -> {
              Row r = rows.iterator().next();
              if (r.getLong("deleted") > 0) {
                return new Deletion.Deleted();
              }
              if (!r.getBoolean("known")) {
                return new Deletion.Unknown();
              }
              return new Deletion.InUse(List.of(r.getArrayOfStrings("templates")));
            });
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
