package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.desktop.api.DesktopConnection;
import io.opencdi.gateway.desktop.api.DesktopEdge;
import io.opencdi.gateway.desktop.api.DesktopFilter;
import io.opencdi.gateway.desktop.api.PageInfo;
import io.opencdi.protocol.DesktopState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads desktops for the API, always within what the caller may see. */
@ApplicationScoped
public class DesktopQueries {
  static final int MAX_PAGE = 500;

  private final Db db;

  public DesktopQueries(Db db) {
    this.db = db;
  }

  public Uni<Desktop> one(Caller caller, String id) {
    UUID uuid = Ids.parse(id, "desktop");
    return db.session(
        s ->
            s.find(DesktopEntity.class, uuid)
                .map(
                    d -> {
                      if (d == null || !caller.mayActOn(d.ownerId)) {
                        throw new NotFoundException("no desktop with id " + id);
                      }
                      return Desktop.from(d);
                    }));
  }

  /** The desktops of these ids that the caller may see, deleted ones included, by id. */
  public Uni<Map<UUID, Desktop>> visible(Caller caller, Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return db.session(
        s ->
            s.createSelectionQuery("from DesktopEntity where id in :ids", DesktopEntity.class)
                .setParameter("ids", ids)
                .getResultList()
                .map(
                    l -> {
                      Map<UUID, Desktop> out = new HashMap<>();
                      l.stream()
                          .filter(d -> caller.mayActOn(d.ownerId))
                          .forEach(d -> out.put(d.id, Desktop.from(d)));
                      return out;
                    }));
  }

  /** One page, newest last (ordered by creation time, then id, so cursors are stable). */
  public Uni<DesktopConnection> page(
      Caller caller, DesktopFilter filter, Integer first, String after) {
    int size = first == null ? 50 : first;
    if (size < 1 || size > MAX_PAGE) {
      throw new ValidationException("first must be between 1 and " + MAX_PAGE);
    }
    StringBuilder where = new StringBuilder(" where 1 = 1");
    Map<String, Object> params = new HashMap<>();
    if (!caller.admin()) {
      where.append(" and d.ownerId = :me");
      params.put("me", caller.userId());
    }
    DesktopFilter f =
        filter == null ? new DesktopFilter(null, null, null, null, null, null) : filter;
    if (f.state() != null) {
      where.append(" and d.state = :state");
      params.put("state", f.state());
    } else if (!Boolean.TRUE.equals(f.includeDeleted())) {
      where.append(" and d.state <> :deleted");
      params.put("deleted", DesktopState.DELETED);
    }
    if (f.health() != null) {
      where.append(" and d.health = :health");
      params.put("health", f.health());
    }
    if (f.clusterId() != null) {
      where.append(" and d.clusterId = :cluster");
      params.put("cluster", Ids.parse(f.clusterId(), "cluster"));
    }
    if (f.templateId() != null) {
      where.append(" and d.templateId = :template");
      params.put("template", Ids.parse(f.templateId(), "template"));
    }
    if (f.owner() != null) {
      TextInputs.username("owner", f.owner());
      where.append(" and d.ownerId = (select u.id from UserEntity u where u.username = :owner)");
      params.put("owner", f.owner());
    }
    String countQuery = "select count(d) from DesktopEntity d" + where;
    Map<String, Object> countParams = new HashMap<>(params);
    if (after != null) {
      Cursor c = Cursor.decode(after);
      where.append(" and (d.createdAt > :afterAt or (d.createdAt = :afterAt and d.id > :afterId))");
      params.put("afterAt", c.createdAt());
      params.put("afterId", c.id());
    }
    String listQuery = "from DesktopEntity d" + where + " order by d.createdAt, d.id";
    return db.session(
        s -> {
          var list = s.createSelectionQuery(listQuery, DesktopEntity.class).setMaxResults(size + 1);
          params.forEach(list::setParameter);
          var count = s.createSelectionQuery(countQuery, Long.class);
          countParams.forEach(count::setParameter);
          return list.getResultList()
              .flatMap(
                  rows ->
                      count
                          .getSingleResult()
                          .map(
                              total -> {
                                boolean more = rows.size() > size;
                                List<DesktopEdge> edges = new ArrayList<>();
                                for (DesktopEntity d : more ? rows.subList(0, size) : rows) {
                                  edges.add(
                                      new DesktopEdge(
                                          new Cursor(d.createdAt, d.id).encode(), Desktop.from(d)));
                                }
                                String end = edges.isEmpty() ? null : edges.getLast().cursor();
                                return new DesktopConnection(edges, new PageInfo(more, end), total);
                              }));
        });
  }

  /**
   * How many desktops a user owns (not {@code DELETED}) and how many of them are {@code RUNNING}.
   */
  public record OwnerCounts(long owned, long running) {
    static final OwnerCounts NONE = new OwnerCounts(0, 0);
  }

  /**
   * The desktop counts of the users of {@code owners}, by user: one grouped query for the whole
   * batch, whatever its size. Every user asked about has an entry; one with no desktops counts
   * zero.
   */
  public Uni<Map<UUID, OwnerCounts>> countsByOwner(Collection<UUID> owners) {
    if (owners.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return db.session(
        s ->
            s.createSelectionQuery(
                    "select d.ownerId, count(d), count(d) filter (where d.state = :running)"
                        + " from DesktopEntity d where d.ownerId in :owners"
                        + " and d.state <> :deleted group by d.ownerId",
                    Object[].class)
                .setParameter("owners", owners)
                .setParameter("running", DesktopState.RUNNING)
                .setParameter("deleted", DesktopState.DELETED)
                .getResultList()
                .map(
                    rows -> {
                      Map<UUID, OwnerCounts> counts = new HashMap<>();
                      owners.forEach(o -> counts.put(o, OwnerCounts.NONE));
                      for (Object[] r : rows) {
                        counts.put(
                            (UUID) r[0],
                            new OwnerCounts(
                                ((Number) r[1]).longValue(), ((Number) r[2]).longValue()));
                      }
                      return counts;
                    }));
  }

  /** Position in a listing; opaque to clients. */
  record Cursor(OffsetDateTime createdAt, UUID id) {
    String encode() {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString((createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String cursor) {
      try {
        String[] parts =
            new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|");
        return new Cursor(OffsetDateTime.parse(parts[0]), UUID.fromString(parts[1]));
      } catch (RuntimeException e) {
        throw new ValidationException("after is not a cursor from this listing");
      }
    }
  }
}
