package io.opencdi.gateway.template;

import io.opencdi.gateway.applayer.AppLayerRepository;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.common.ConflictException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.template.api.Template;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import org.hibernate.LockMode;

/**
 * Creating and changing templates: each one transaction, in which a name taken by another template
 * is refused with {@code CONFLICT}.
 */
@ApplicationScoped
public class TemplateService {
  private final Db db;
  private final AppLayerRepository layers;
  private final TemplateQueries templates;

  public TemplateService(Db db, AppLayerRepository layers, TemplateQueries templates) {
    this.db = db;
    this.layers = layers;
    this.templates = templates;
  }

  /** Stores the new template {@code t} with the application layers {@code apps}, lowest first. */
  public Uni<Template> create(TemplateEntity t, List<UUID> apps) {
    return withLayers(t, apps)
        .flatMap(
            v ->
                db.transaction(
                        s ->
                            templates
                                .nameTaken(s, t.name, null)
                                .flatMap(
                                    taken -> {
                                      if (taken) {
                                        throw new ConflictException(
                                            "a template named '" + t.name + "' exists");
                                      }
                                      return s.persist(t);
                                    }))
                    .replaceWith(() -> Template.from(t)));
  }

  /**
   * Gives the template {@code wanted.id}, locked meanwhile, everything {@code wanted} says and the
   * application layers {@code apps}; no such template: {@code NOT_FOUND}.
   */
  public Uni<Template> update(TemplateEntity wanted, List<UUID> apps) {
    return withLayers(wanted, apps)
        .flatMap(
            v ->
                db.transaction(
                    s ->
                        s.find(TemplateEntity.class, wanted.id, LockMode.PESSIMISTIC_WRITE)
                            .flatMap(
                                t -> {
                                  if (t == null) {
                                    throw new NotFoundException("no template with id " + wanted.id);
                                  }
                                  return templates
                                      .nameTaken(s, wanted.name, wanted.id)
                                      .map(
                                          taken -> {
                                            if (taken) {
                                              throw new ConflictException(
                                                  "a template named '" + wanted.name + "' exists");
                                            }
                                            copy(wanted, t);
                                            return Template.from(t);
                                          });
                                })));
  }

  private static void copy(TemplateEntity from, TemplateEntity t) {
    t.name = from.name;
    t.description = from.description;
    t.image = from.image;
    t.cpuMillis = from.cpuMillis;
    t.memoryMiB = from.memoryMiB;
    t.runtimeClass = from.runtimeClass;
    t.storageClass = from.storageClass;
    t.homeVolumeGiB = from.homeVolumeGiB;
    t.arch = from.arch;
    t.clipboard = from.clipboard;
    t.clipboardMaxBytes = from.clipboardMaxBytes;
    t.watermark = from.watermark;
    t.fileTransfer = from.fileTransfer;
    t.fileTransferMaxMiB = from.fileTransferMaxMiB;
    t.printing = from.printing;
    t.audio = from.audio;
    t.microphone = from.microphone;
    t.idleTimeoutMinutes = from.idleTimeoutMinutes;
    t.autoPowerOffMinutes = from.autoPowerOffMinutes;
    t.maxSessionMinutes = from.maxSessionMinutes;
    t.appLayers = from.appLayers;
  }

  /**
   * Gives {@code t} the layers {@code ids}. Layers never change or go away, so what is read here
   * still holds when the template is written.
   */
  private Uni<Void> withLayers(TemplateEntity t, List<UUID> ids) {
    if (ids.isEmpty()) {
      t.appLayers = "[]";
      return Uni.createFrom().voidItem();
    }
    return layers
        .byIds(ids)
        .invoke(
            found ->
                t.appLayers =
                    LayerStack.toJson(
                        LayerStack.compose(LayerStack.resolve(ids, found), List.of())))
        .replaceWithVoid();
  }
}
