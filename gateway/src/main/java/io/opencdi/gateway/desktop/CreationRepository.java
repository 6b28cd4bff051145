package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.db.NotifyPayloads;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.gateway.template.TemplateEntity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The SQL of the placement pipeline: every statement covers a whole batch (set-based, through the
 * reactive PostgreSQL client), so a batch of hundreds of creations costs a handful of round trips
 * and one commit.
 */
@ApplicationScoped
public class CreationRepository {
  private static final String USER_COLUMNS =
      "id, username, role, max_desktops, max_cpu_millis, max_memory_mib, max_snapshots";

  /** An owner's idempotency key. */
  public record RequestKey(UUID ownerId, String requestId) {}

  /**
   * Locks the rows of the owners, in id order so that batches never deadlock each other. The lock
   * serialises each owner's creations and power-ons across batches and replicas, so two cannot both
   * pass the quota check; the owners of one batch are checked together.
   */
  public Uni<Map<UUID, UserEntity>> lockOwners(SqlConnection tx, Collection<UUID> ids) {
    return tx.preparedQuery(
            "select " + USER_COLUMNS + " from app_user where id = any($1) order by id for update")
        .execute(Tuple.of(ids.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, UserEntity> byId = new HashMap<>();
              rows.forEach(r -> byId.put(r.getUUID("id"), user(r)));
              return byId;
            });
  }

  /** {@link #lockOwners} by user name. */
  public Uni<Map<String, UserEntity>> lockOwnersNamed(SqlConnection tx, Collection<String> names) {
    return tx.preparedQuery(
            "select "
                + USER_COLUMNS
                + " from app_user where username = any($1) order by id for update")
        .execute(Tuple.of(names.toArray(String[]::new)))
        .map(
            rows -> {
              Map<String, UserEntity> byName = new HashMap<>();
              rows.forEach(r -> byName.put(r.getString("username"), user(r)));
              return byName;
            });
  }

  public Uni<Map<UUID, TemplateEntity>> templates(SqlConnection tx, Collection<UUID> ids) {
    return tx.preparedQuery(
            "select id, name, image, cpu_millis, memory_mib, runtime_class, storage_class,"
                + " home_volume_gib, arch, app_layers from template where id = any($1)")
        .execute(Tuple.of(ids.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, TemplateEntity> byId = new HashMap<>();
              for (Row r : rows) {
                TemplateEntity t = new TemplateEntity();
                t.id = r.getUUID("id");
                t.name = r.getString("name");
                t.image = r.getString("image");
                t.cpuMillis = r.getLong("cpu_millis");
                t.memoryMiB = r.getLong("memory_mib");
                t.runtimeClass = r.getString("runtime_class");
                t.storageClass = r.getString("storage_class");
                t.homeVolumeGiB = r.getInteger("home_volume_gib");
                t.arch = r.getString("arch");
                t.appLayers = r.getString("app_layers");
                byId.put(t.id, t);
              }
              return byId;
            });
  }

  /** The desktops already created under any of {@code keys}. */
  public Uni<Map<RequestKey, DesktopEntity>> existing(
      SqlConnection tx, Collection<RequestKey> keys) {
    if (keys.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return tx.preparedQuery(
            "select "
                + DesktopRows.COLUMNS
                + " from desktop where (owner_id, request_id) in"
                + " (select * from unnest($1::uuid[], $2::text[]))")
        .execute(
            Tuple.of(
                keys.stream().map(RequestKey::ownerId).toArray(UUID[]::new),
                keys.stream().map(RequestKey::requestId).toArray(String[]::new)))
        .map(
            rows -> {
              Map<RequestKey, DesktopEntity> byKey = new HashMap<>();
              for (Row r : rows) {
                DesktopEntity d = DesktopRows.read(r);
                byKey.put(new RequestKey(d.ownerId, d.requestId), d);
              }
              return byKey;
            });
  }

  /** What each owner holds against their quota, all owners in one query. */
  public Uni<Map<UUID, Quotas.Usage>> usage(SqlConnection tx, Collection<UUID> owners) {
    return tx.preparedQuery(
            "select owner_id, count(*),"
                + " coalesce(sum(case when holds_capacity then cpu_millis else 0 end), 0),"
                + " coalesce(sum(case when holds_capacity then memory_mib else 0 end), 0)"
                + " from desktop where owner_id = any($1) and state <> 'DELETED'"
                + " group by owner_id")
        .execute(Tuple.of(owners.toArray(UUID[]::new)))
        .map(
            rows -> {
              Map<UUID, Quotas.Usage> byOwner = new HashMap<>();
              for (UUID o : owners) {
                byOwner.put(o, new Quotas.Usage(0, 0, 0));
              }
              for (Row r : rows) {
                byOwner.put(
                    r.getUUID(0), new Quotas.Usage(r.getLong(1), r.getLong(2), r.getLong(3)));
              }
              return byOwner;
            });
  }

  /**
   * Inserts new desktops in one statement. A row whose {@code (owner, requestId)} exists already is
   * not inserted; the caller compares the count (under the owners' locks it cannot happen).
   *
   * @return how many rows were inserted
   */
  public Uni<Integer> insertAll(SqlConnection tx, List<DesktopEntity> desktops) {
    if (desktops.isEmpty()) {
      return Uni.createFrom().item(0);
    }
    int n = desktops.size();
    UUID[] id = new UUID[n];
    String[] name = new String[n];
    UUID[] owner = new UUID[n];
    UUID[] template = new UUID[n];
    String[] state = new String[n];
    String[] power = new String[n];
    Boolean[] holds = new Boolean[n];
    UUID[] cluster = new UUID[n];
    String[] nodeGroup = new String[n];
    UUID[] homeCluster = new UUID[n];
    String[] image = new String[n];
    Long[] cpu = new Long[n];
    Long[] memory = new Long[n];
    String[] runtimeClass = new String[n];
    String[] storageClass = new String[n];
    Integer[] homeGiB = new Integer[n];
    String[] region = new String[n];
    String[] zone = new String[n];
    String[] requestId = new String[n];
    String[] summary = new String[n];
    UUID[] restoredFrom = new UUID[n];
    UUID[] poolId = new UUID[n];
    String[] appLayers = new String[n];
    OffsetDateTime[] createdAt = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      DesktopEntity d = desktops.get(i);
      id[i] = d.id;
      name[i] = d.name;
      owner[i] = d.ownerId;
      template[i] = d.templateId;
      state[i] = d.state.name();
      power[i] = d.power.name();
      holds[i] = d.holdsCapacity;
      cluster[i] = d.clusterId;
      nodeGroup[i] = d.nodeGroup;
      homeCluster[i] = d.homeClusterId;
      image[i] = d.image;
      cpu[i] = d.cpuMillis;
      memory[i] = d.memoryMiB;
      runtimeClass[i] = d.runtimeClass;
      storageClass[i] = d.storageClass;
      homeGiB[i] = d.homeVolumeGiB;
      region[i] = d.region;
      zone[i] = d.zone;
      requestId[i] = d.requestId;
      summary[i] = d.placementSummary;
      restoredFrom[i] = d.restoredFrom;
      poolId[i] = d.poolId;
      appLayers[i] = d.appLayers;
      createdAt[i] = d.createdAt;
    }
    Tuple values = Tuple.tuple();
    for (Object column :
        new Object[] {
          id,
          name,
          owner,
          template,
          state,
          power,
          holds,
          cluster,
          nodeGroup,
          homeCluster,
          image,
          cpu,
          memory,
          runtimeClass,
          storageClass,
          homeGiB,
          region,
          zone,
          requestId,
          summary,
          restoredFrom,
          poolId,
          appLayers,
          createdAt
        }) {
      values.addValue(column);
    }
    return tx.preparedQuery(
            "insert into desktop (id, name, owner_id, template_id, state, power,"
                + " holds_capacity, cluster_id, node_group, home_cluster_id, image, cpu_millis,"
                + " memory_mib, runtime_class, storage_class, home_volume_gib, region, zone,"
                + " request_id, placement_summary, restored_from, pool_id, app_layers, created_at,"
                + " updated_at)"
                + " select *, c from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[],"
                + " $5::text[], $6::text[], $7::boolean[], $8::uuid[], $9::text[], $10::uuid[],"
                + " $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::text[],"
                + " $16::int[], $17::text[], $18::text[], $19::text[], $20::text[],"
                + " $21::uuid[], $22::uuid[], $23::text[], $24::timestamptz[]) as r(id, name, o, t,"
                + " s, p, h, cl, ng, hc, im, cpu, mem, rc, sc, hg, rg, zn, rq, ps, rf, pl, al, c)"
                + " on conflict (owner_id, request_id) where request_id is not null do nothing")
        .execute(values)
        .map(rows -> rows.rowCount());
  }

  /**
   * The ready members of {@code pools} (running, healthy, not being deleted, never claimed), locked
   * until the transaction ends; rows another transaction holds are skipped rather than waited for.
   * Grouped by pool, oldest first, at most {@code limit} in all.
   */
  public Uni<Map<UUID, ArrayDeque<DesktopEntity>>> readyMembers(
      SqlConnection tx, Collection<UUID> pools, int limit) {
    return tx.preparedQuery(
            "select "
                + DesktopRows.COLUMNS
                + " from desktop where pool_id = any($1) and state = 'RUNNING' and power = 'ON'"
                + " and not delete_requested and health = 'OK' and owner_id = $2"
                + " order by updated_at, id limit $3 for update skip locked")
        .execute(Tuple.of(pools.toArray(UUID[]::new), SystemUsers.WARM_POOLS, limit))
        .map(
            rows -> {
              Map<UUID, ArrayDeque<DesktopEntity>> byPool = new HashMap<>();
              for (Row r : rows) {
                DesktopEntity d = DesktopRows.read(r);
                byPool.computeIfAbsent(d.poolId, p -> new ArrayDeque<>()).add(d);
              }
              return byPool;
            });
  }

  /**
   * Gives claimed warm-pool members their new owners, names and idempotency keys, in one statement;
   * only members still unclaimed change. A member counts as created when it is claimed: that is
   * when its owner got it, and where it sorts among their desktops.
   *
   * @return how many changed
   */
  public Uni<Integer> claimAll(SqlConnection tx, List<DesktopEntity> claimed) {
    if (claimed.isEmpty()) {
      return Uni.createFrom().item(0);
    }
    return tx.preparedQuery(
            "update desktop d set owner_id = c.o, name = c.n, request_id = c.rq, pool_id = null,"
                + " from_pool = true, created_at = c.at, updated_at = c.at"
                + " from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[],"
                + " $5::timestamptz[]) as c(id, o, n, rq, at)"
                + " where d.id = c.id and d.owner_id = $6 and d.pool_id is not null")
        .execute(
            Tuple.of(
                claimed.stream().map(d -> d.id).toArray(UUID[]::new),
                claimed.stream().map(d -> d.ownerId).toArray(UUID[]::new),
                claimed.stream().map(d -> d.name).toArray(String[]::new),
                claimed.stream().map(d -> d.requestId).toArray(String[]::new),
                claimed.stream().map(d -> d.updatedAt).toArray(OffsetDateTime[]::new),
                SystemUsers.WARM_POOLS))
        .map(rows -> rows.rowCount());
  }

  /** Notes that members of these pools were claimed now, for their keeper (PoolKeeper). */
  public Uni<Void> poolsClaimed(SqlConnection tx, Collection<UUID> pools) {
    if (pools.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return tx.preparedQuery("update desktop_pool set last_claimed_at = now() where id = any($1)")
        .execute(Tuple.of(pools.toArray(UUID[]::new)))
        .replaceWithVoid();
  }

  /**
   * Queues events that PostgreSQL delivers when the transaction commits, and only then: every
   * channel's events packed into few payloads ({@link NotifyPayloads}), all in one statement, so in
   * the order given (channel by channel, in the map's order).
   */
  public Uni<Void> notifyOnCommit(SqlConnection tx, Map<String, List<String>> eventsByChannel) {
    List<String> channels = new ArrayList<>();
    List<String> payloads = new ArrayList<>();
    eventsByChannel.forEach(
        (channel, events) -> {
          for (String p : NotifyPayloads.pack(events, NotifyPayloads.LIMIT)) {
            channels.add(channel);
            payloads.add(p);
          }
        });
    if (payloads.isEmpty()) {
      return Uni.createFrom().voidItem();
    }
    return tx.preparedQuery("select pg_notify(c, p) from unnest($1::text[], $2::text[]) as x(c, p)")
        .execute(Tuple.of(channels.toArray(String[]::new), payloads.toArray(String[]::new)))
        .replaceWithVoid();
  }

  private static UserEntity user(Row r) {
    UserEntity u = new UserEntity();
    u.id = r.getUUID("id");
    u.username = r.getString("username");
    u.role = r.getString("role");
    u.maxDesktops = r.getInteger("max_desktops");
    u.maxCpuMillis = r.getLong("max_cpu_millis");
    u.maxMemoryMiB = r.getLong("max_memory_mib");
    u.maxSnapshots = r.getInteger("max_snapshots");
    return u;
  }
}
