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

/**
 * Templates read for the API: every template, and for other features' batch resolvers (desktops,
 * pools) one query per batch.
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
}
