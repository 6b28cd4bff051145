package io.opencdi.gateway.pool;

import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.template.TemplateQueries;
import io.opencdi.gateway.template.api.Template;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Creating, resizing and removing warm pools. Each change is acted on at once by this replica's
 * {@link PoolKeeper} (other replicas see it at their next pass).
 */
@ApplicationScoped
public class PoolService {
  private final PoolRepository repository;
  private final PoolKeeper keeper;
  private final TemplateQueries templates;

  public PoolService(PoolRepository repository, PoolKeeper keeper, TemplateQueries templates) {
    this.repository = repository;
    this.keeper = keeper;
    this.templates = templates;
  }

  /** Every pool with its ready and starting members. */
  public Uni<List<Pooled>> all() {
    return repository
        .all()
        .flatMap(
            pools ->
                repository
                    .counts()
                    .map(
                        counts ->
                            pools.stream()
                                .map(
                                    p ->
                                        new Pooled(
                                            p,
                                            counts.getOrDefault(
                                                p.id(), PoolRepository.Counts.NONE)))
                                .toList()));
  }

  /** A pool and what its members are doing. */
  public record Pooled(WarmPool pool, PoolRepository.Counts counts) {}

  /** The templates of {@code ids}, by id. */
  public Uni<Map<UUID, Template>> templates(List<UUID> ids) {
    return templates.byIds(ids);
  }

  /** The pool with what its members are doing now. */
  public Uni<Pooled> withCounts(WarmPool p) {
    return repository
        .counts()
        .map(c -> new Pooled(p, c.getOrDefault(p.id(), PoolRepository.Counts.NONE)));
  }

  public Uni<WarmPool> create(UUID templateId, String region, String zone, int size) {
    size(size);
    if (region == null || region.isBlank()) {
      throw new ValidationException("region is required: a pool keeps its members in one region");
    }
    TextInputs.label("region", region);
    TextInputs.label("zone", zone);
    String z = zone == null || zone.isBlank() ? null : zone.strip();
    return repository
        .templateExists(templateId)
        .flatMap(
            exists -> {
              if (!exists) {
                throw new NotFoundException("no template with id " + templateId);
              }
              return repository.insert(templateId, region.strip(), z, size);
            })
        .invoke(keeper::kick);
  }

  public Uni<WarmPool> resize(UUID id, int size) {
    size(size);
    return repository
        .resize(id, size)
        .invoke(
            p -> {
              if (p == null) {
                throw new NotFoundException("no pool with id " + id);
              }
            })
        .invoke(keeper::kick);
  }

  /** Removes a pool; its unclaimed members are deleted, desktops users claimed stay theirs. */
  public Uni<Boolean> delete(UUID id) {
    return repository
        .delete(id)
        .invoke(
            found -> {
              if (!found) {
                throw new NotFoundException("no pool with id " + id);
              }
            })
        .invoke(keeper::kick);
  }

  private static void size(int size) {
    if (size < 0 || size > WarmPool.MAX_SIZE) {
      throw new ValidationException(
          "size must be between 0 and " + WarmPool.MAX_SIZE + ", got " + size);
    }
  }
}
