package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.auth.api.User;
import io.opencdi.gateway.cluster.api.Cluster;
import io.opencdi.gateway.common.ApiException;
import io.opencdi.gateway.desktop.CreationRepository.RequestKey;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.graphql.SharedLookups;
import io.opencdi.gateway.placement.Reservations;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.gateway.template.api.Template;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Placement;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The bookkeeping of one placement batch (ADR 0025): its {@link Item}s, one per desktop, and what
 * the transaction read for them. Plain mutable state, filled step by step by {@link
 * CreationPipeline}, {@link BulkCreation}, {@link CreationDecisions} and {@link CreationWrites}, so
 * that a batch costs one object per desktop and no copies between its steps.
 */
final class CreationBatch {
  final List<Item> items = new ArrayList<>();
  final Map<RequestKey, Item> keys = new HashMap<>();
  final List<DesktopEntity> prepared = new ArrayList<>();
  Map<UUID, UserEntity> users = Map.of();
  TemplateEntity template;

  List<Item> placed() {
    return items.stream().filter(i -> i.placement != null).toList();
  }

  /**
   * Gives each item whose request key already names a desktop (a retried request) that desktop: the
   * item is then answered with it instead of creating another.
   */
  void attachExisting(Map<RequestKey, DesktopEntity> existing) {
    keys.forEach(
        (key, item) -> {
          DesktopEntity e = existing.get(key);
          if (e != null) {
            item.existing = e;
          }
        });
  }

  List<DesktopEntity> claimed() {
    return items.stream().filter(i -> i.claimed != null).map(i -> i.claimed).toList();
  }

  /** The pools the batch took members from. */
  Set<UUID> claimedPools() {
    Set<UUID> pools = new HashSet<>();
    items.stream().filter(i -> i.claimedFrom != null).forEach(i -> pools.add(i.claimedFrom));
    return pools;
  }

  /**
   * A new desktop of the batch, its row not yet written: the template's, as the caller sized it.
   */
  static DesktopEntity newDesktop(
      UserEntity owner,
      TemplateEntity t,
      String name,
      long cpuMillis,
      long memoryMiB,
      String region,
      String zone,
      String requestId) {
    DesktopEntity d = new DesktopEntity();
    d.id = UUID.randomUUID();
    d.name = name;
    d.ownerId = owner.id;
    d.templateId = t.id;
    d.image = t.image;
    d.cpuMillis = cpuMillis;
    d.memoryMiB = memoryMiB;
    d.runtimeClass = t.runtimeClass;
    d.storageClass = t.storageClass;
    d.homeVolumeGiB = t.homeVolumeGiB;
    d.appLayers = t.appLayers;
    d.region = region;
    d.zone = zone;
    d.requestId = requestId;
    d.power = Power.ON;
    d.state = DesktopState.PENDING;
    // Microseconds, as PostgreSQL keeps them: the answer shows what a later read returns.
    d.createdAt = OffsetDateTime.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    d.updatedAt = d.createdAt;
    return d;
  }

  /**
   * A caller's answer, given on the caller's own Vert.x context (where its request scope lives),
   * once.
   */
  static final class Answer<T> {
    private final UniEmitter<? super T> emitter;
    private final Context context = Vertx.currentContext();
    volatile boolean abandoned;

    Answer(UniEmitter<? super T> emitter) {
      this.emitter = emitter;
      emitter.onTermination(() -> abandoned = true);
    }

    void succeed(T value) {
      run(() -> emitter.complete(value));
    }

    void fail(Throwable error) {
      run(() -> emitter.fail(error));
    }

    private void run(Runnable r) {
      if (context == null) {
        r.run();
      } else {
        context.runOnContext(v -> r.run());
      }
    }
  }

  /** One desktop of a batch: new and placed, already there, or refused. */
  static final class Item {
    final Answer<Desktop> answer;
    UserEntity owner;
    TemplateEntity template;
    String arch;
    DesktopEntity desktop;
    DesktopRequest request;
    Placement placement;
    DesktopEntity existing;
    DesktopEntity claimed;
    UUID claimedFrom;
    List<UUID> pools = List.of();
    boolean addsLayers;
    Item sameAs;
    ApiException refusal;

    Item(Answer<Desktop> answer) {
      this.answer = answer;
    }

    String reservationId() {
      return desktop.id.toString();
    }

    void place(Decision.Scheduled scheduled, String summary) {
      placement = scheduled.placement();
      desktop.clusterId = UUID.fromString(placement.clusterId());
      desktop.nodeGroup = placement.nodeGroup();
      desktop.placementSummary = summary;
      desktop.holdsCapacity = true;
    }

    Reservations.Want want() {
      return new Reservations.Want(placement, desktop.cpuMillis, desktop.memoryMiB);
    }

    /**
     * Takes a warm-pool member as this caller's desktop: their owner, name and idempotency key, out
     * of its pool. Its home is fresh: nobody used the member before.
     */
    void claim(DesktopEntity member) {
      claimedFrom = member.poolId;
      member.ownerId = desktop.ownerId;
      member.name = desktop.name;
      member.requestId = desktop.requestId;
      member.poolId = null;
      member.fromPool = true;
      member.createdAt = desktop.createdAt;
      member.updatedAt = desktop.createdAt;
      claimed = member;
    }

    DesktopEntity result() {
      return existing != null ? existing : claimed != null ? claimed : desktop;
    }

    void answerCommitted(Map<UUID, Cluster> clusters) {
      Item source = sameAs != null ? sameAs : this;
      if (source.existing != null || source.placement != null || source.claimed != null) {
        answer.succeed(Desktop.from(source.result()).withLookups(source.known(clusters)));
      } else {
        answer.fail(source.refusal);
      }
    }

    /**
     * What the transaction read about the desktop's owner, template and cluster: each a lookup
     * result as the desktop's batch resolvers give it (a list of one).
     */
    SharedLookups known(Map<UUID, Cluster> clusters) {
      DesktopEntity d = result();
      SharedLookups known = new SharedLookups();
      if (owner != null && owner.id.equals(d.ownerId)) {
        known.known("owner", List.of(User.from(owner)));
      }
      if (template != null && template.id.equals(d.templateId)) {
        known.known("template", List.of(Template.from(template)));
      }
      Cluster cluster = d.clusterId == null ? null : clusters.get(d.clusterId);
      if (d.clusterId == null || cluster != null) {
        known.known("cluster", java.util.Collections.singletonList(cluster));
      }
      return known;
    }

    void answerFailed(ApiException error) {
      Item source = sameAs != null ? sameAs : this;
      if (source.existing != null) {
        answer.succeed(Desktop.from(source.existing));
      } else {
        answer.fail(source.refusal != null ? source.refusal : error);
      }
    }
  }
}
