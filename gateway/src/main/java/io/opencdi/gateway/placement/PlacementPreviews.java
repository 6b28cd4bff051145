package io.opencdi.gateway.placement;

import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.DesktopRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Placement explained for a desktop that might be created: its owner and template are read in one
 * session, and the engine decides against this replica's snapshot without reserving anything.
 */
@ApplicationScoped
public class PlacementPreviews {
  private final Db db;
  private final PlacementService placement;

  public PlacementPreviews(Db db, PlacementService placement) {
    this.db = db;
    this.placement = placement;
  }

  /**
   * A desktop from the template {@code templateId}; resources left null are the template's, region
   * and zone left null are any.
   */
  public record Hypothesis(
      UUID templateId, Long cpuMillis, Long memoryMiB, String region, String zone) {}

  /**
   * The decision for {@code h} owned by the user {@code userId}; empty when no template has that
   * id.
   */
  public Uni<Optional<Decision>> forUser(UUID userId, Hypothesis h) {
    return preview(s -> s.find(UserEntity.class, userId), h);
  }

  /**
   * The decision for {@code h} owned by the user named {@code username} ({@code NOT_FOUND} when
   * there is none); empty when no template has that id.
   */
  public Uni<Optional<Decision>> forUsername(String username, Hypothesis h) {
    return preview(
        s ->
            s.createSelectionQuery("from UserEntity where username = :u", UserEntity.class)
                .setParameter("u", username)
                .getSingleResultOrNull()
                .onItem()
                .ifNull()
                .failWith(() -> new NotFoundException("no user named '" + username + "'")),
        h);
  }

  private Uni<Optional<Decision>> preview(
      Function<Mutiny.Session, Uni<UserEntity>> owner, Hypothesis h) {
    return db.session(
        s ->
            owner
                .apply(s)
                .flatMap(
                    o ->
                        s.find(TemplateEntity.class, h.templateId())
                            .map(
                                t ->
                                    t == null
                                        ? Optional.<Decision>empty()
                                        : Optional.of(placement.preview(request(o, t, h))))));
  }

  private static DesktopRequest request(UserEntity owner, TemplateEntity t, Hypothesis h) {
    var b =
        DesktopRequest.builder(
                owner.id.toString(),
                h.cpuMillis() == null ? t.cpuMillis : h.cpuMillis(),
                h.memoryMiB() == null ? t.memoryMiB : h.memoryMiB())
            .runtimeClass(t.runtimeClass)
            .storageClass(t.storageClass)
            .image(t.image);
    if (t.arch != null) {
      b.arch(t.arch);
    }
    if (h.region() != null) {
      b.region(h.region());
    }
    if (h.zone() != null) {
      b.zone(h.zone());
    }
    return b.build();
  }
}
