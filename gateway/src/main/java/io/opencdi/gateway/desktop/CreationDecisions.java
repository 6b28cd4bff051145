package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.common.ApiException;
import io.opencdi.gateway.common.UnschedulableException;
import io.opencdi.gateway.desktop.CreationBatch.Item;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.quota.QuotaLimits;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.QuotaAllowance;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Decides a batch's desktops in memory (ADR 0025): each owner's quota against the usage the
 * transaction read plus what the batch already gave them, a warm-pool member where one fits, else
 * the engine's decision against the snapshot and the room other decisions hold. Nothing here waits
 * for the database or returns a {@code Uni}: the batch's reads come before it ({@link
 * CreationPipeline}, {@link BulkCreation}) and its writes after it ({@link CreationWrites}), so
 * this part reads as the rules alone.
 */
final class CreationDecisions {
  private final PlacementService placement;
  private final Quotas quotas;
  private final WarmMembers warm;

  CreationDecisions(PlacementService placement, Quotas quotas, WarmMembers warm) {
    this.placement = placement;
    this.quotas = quotas;
    this.warm = warm;
  }

  /**
   * Decides each new desktop of a batch of single creations on its own: a refusal (quota, no room)
   * is that caller's alone, and what one is given counts against the next one's quota.
   */
  void decideSingles(
      CreationBatch b,
      Map<UUID, Quotas.Usage> usage,
      Map<UUID, ArrayDeque<DesktopEntity>> members) {
    for (Item item : b.items) {
      if (item.desktop == null || item.existing != null || item.sameAs != null) {
        continue;
      }
      DesktopEntity d = item.desktop;
      Quotas.Usage used = usage.get(d.ownerId);
      try {
        quotas.requireRoom(item.owner, used, 1, d.cpuMillis, d.memoryMiB);
      } catch (ApiException refused) {
        item.refusal = refused;
        continue;
      }
      DesktopEntity member = take(members, item.pools, d.appLayers);
      if (member != null) {
        item.claim(member);
        usage.put(
            d.ownerId,
            new Quotas.Usage(
                used.desktops() + 1,
                used.cpuMillis() + member.cpuMillis,
                used.memoryMiB() + member.memoryMiB));
        continue;
      }
      item.request = DesktopRequests.of(d, Optional.of(allowance(item.owner, used)), item.arch);
      Decision decision = placement.decide(item.reservationId(), item.request, Optional.empty());
      if (decision instanceof Decision.Scheduled scheduled) {
        item.place(scheduled, DesktopRequests.summary(scheduled, null));
        usage.put(
            d.ownerId,
            new Quotas.Usage(
                used.desktops() + 1,
                used.cpuMillis() + d.cpuMillis,
                used.memoryMiB() + d.memoryMiB));
      } else {
        item.refusal = unschedulable(item, decision);
      }
    }
  }

  /**
   * The refusal a user reads. Where only room was lacking and warm pools hold idle members on a
   * cluster that lacked it, room is released there (ADR 0035) and the user is told to try again;
   * the pools' own creations never release other members.
   */
  UnschedulableException unschedulable(Item item, Decision decision) {
    String message = DesktopRequests.refusal(decision);
    DesktopEntity d = item.desktop;
    if (!SystemUsers.isSystem(d.ownerId)) {
      List<UUID> full = DesktopRequests.lackingRoom(decision);
      String hint =
          full.isEmpty()
              ? null
              : warm.roomRefused(full, d.ownerId, d.region, d.cpuMillis, d.memoryMiB);
      if (hint != null) {
        message = message + "; " + hint;
      }
    }
    return new UnschedulableException(message);
  }

  /**
   * The oldest ready member of the first of {@code pools} that still has one with {@code layers},
   * or null. Members started before their template's layers changed are left to the keeper.
   */
  private static DesktopEntity take(
      Map<UUID, ArrayDeque<DesktopEntity>> members, List<UUID> pools, String layers) {
    for (UUID pool : pools) {
      ArrayDeque<DesktopEntity> ready = members.get(pool);
      if (ready == null) {
        continue;
      }
      for (var it = ready.iterator(); it.hasNext(); ) {
        DesktopEntity m = it.next();
        if (layers.equals(m.appLayers)) {
          it.remove();
          return m;
        }
      }
    }
    return null;
  }

  private QuotaAllowance allowance(UserEntity owner, Quotas.Usage used) {
    QuotaLimits q = quotas.of(owner);
    return new QuotaAllowance(
        q.maxDesktops() - used.desktops(),
        q.maxCpuMillis() - used.cpuMillis(),
        q.maxMemoryMiB() - used.memoryMiB());
  }

  /** Checks every owner's quota in order, then decides all new desktops in one engine pass. */
  void decideBulk(CreationBatch b, Map<UUID, Quotas.Usage> usage) {
    List<Item> fresh = new ArrayList<>();
    List<DesktopRequest> requests = new ArrayList<>();
    for (Item item : b.items) {
      if (item.existing != null) {
        continue;
      }
      DesktopEntity d = item.desktop;
      Quotas.Usage used = usage.get(d.ownerId);
      quotas.requireRoom(item.owner, used, 1, d.cpuMillis, d.memoryMiB);
      item.request = DesktopRequests.of(d, Optional.of(allowance(item.owner, used)), item.arch);
      usage.put(
          d.ownerId,
          new Quotas.Usage(
              used.desktops() + 1, used.cpuMillis() + d.cpuMillis, used.memoryMiB() + d.memoryMiB));
      fresh.add(item);
      requests.add(item.request);
    }
    List<Decision> decisions =
        placement.decideBulk(fresh.stream().map(Item::reservationId).toList(), requests);
    for (int i = 0; i < fresh.size(); i++) {
      Item item = fresh.get(i);
      if (decisions.get(i) instanceof Decision.Scheduled scheduled) {
        item.place(
            scheduled, DesktopRequests.summary(scheduled, clusterName(scheduled.placement())));
      } else {
        item.refusal = unschedulable(item, decisions.get(i));
      }
    }
    b.items.stream()
        .filter(i -> i.refusal != null)
        .findFirst()
        .ifPresent(
            i -> {
              throw i.refusal;
            });
  }

  /** The placement's cluster by name, as a placement summary shows it, from the snapshot. */
  String clusterName(Placement p) {
    return placement
        .snapshot()
        .cluster(p.clusterId())
        .map(ClusterState::name)
        .orElse(p.clusterId());
  }

  /** Releases the room the item's decision holds, if any: its row was not written after all. */
  void giveBack(Item item) {
    if (item.placement != null) {
      placement.release(
          item.reservationId(), item.placement, item.desktop.cpuMillis, item.desktop.memoryMiB);
      item.placement = null;
    }
  }
}
