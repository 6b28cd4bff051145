package io.opencdi.gateway.template;

import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.template.api.Template;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * The template feature's reads: every template, one query per batch for other features' batch
 * resolvers (desktops, pools), and whether a name is taken, inside a change's transaction.
 */
@ApplicationScoped
public class TemplateQueries {
  private final Db db;

  public TemplateQueries(Db db) {
    this.db = db;
  }

  /** Every template, by name. */
  public Uni<List<Template>> all() {
    return db.session(
        s ->
            s.createSelectionQuery("from TemplateEntity order by name", TemplateEntity.class)
                .getResultList()
                .map(l -> l.stream().map(Template::from).toList()));
  }

  /** The templates of {@code ids} that exist, by id. */
  public Uni<Map<UUID, Template>> byIds(Collection<UUID> ids) {
    return db.session(
        s ->
            s.createSelectionQuery("from TemplateEntity where id in :ids", TemplateEntity.class)
                .setParameter("ids", ids)
                .getResultList()
                .map(
                    l -> {
                      Map<UUID, Template> byId = new HashMap<>();
                      l.forEach(t -> byId.put(t.id, Template.from(t)));
                      return byId;
                    }));
  }

  /** Whether a template other than {@code except} (none when null) is named {@code name}. */
  public Uni<Boolean> nameTaken(Mutiny.Session s, String name, UUID except) {
    // Two query texts rather than ":x is null or ...": PostgreSQL cannot type a null parameter.
    var query =
        except == null
            ? s.createSelectionQuery(
                "select count(t) from TemplateEntity t where t.name = :n", Long.class)
            : s.createSelectionQuery(
                    "select count(t) from TemplateEntity t where t.name = :n and t.id <> :id",
                    Long.class)
                .setParameter("id", except);
    return query.setParameter("n", name).getSingleResult().map(n -> n > 0);
  }
}
