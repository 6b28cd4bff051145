package io.opencdi.gateway.desktop;

import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.cluster.api.Cluster;
import io.opencdi.gateway.common.ApiException;
import io.opencdi.gateway.common.UnavailableException;
import io.opencdi.gateway.common.UnschedulableException;
import io.opencdi.gateway.db.Channels;
import io.opencdi.gateway.desktop.CreationBatch.Answer;
import io.opencdi.gateway.desktop.CreationBatch.Item;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.placement.Reservations;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.Placement;
import io.opencdi.protocol.CommandKind;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Writes a decided batch in its transaction and settles it afterwards (ADR 0025): the node groups'
 * room reserved in one conditional statement (rows that lost a race decided again alone), the
 * desktops inserted in one statement, claimed warm-pool members handed over, the batch's events and
 * agent commands queued for the commit; then the room confirmed or given back and every caller
 * answered. Shared by single and bulk creations, which differ only in how they read and decide.
 */
final class CreationWrites {
  // The pipeline's category, as before the split: operators' log settings name it.
  private static final Logger LOG = Logger.getLogger(CreationPipeline.class);

  private final CreationRepository repository;
  private final Reservations reservations;
  private final PlacementService placement;
  private final DesktopCommands commands;
  private final ClusterQueries clusters;
  private final CreationDecisions decisions;

  CreationWrites(
      CreationRepository repository,
      Reservations reservations,
      PlacementService placement,
      DesktopCommands commands,
      ClusterQueries clusters,
      CreationDecisions decisions) {
    this.repository = repository;
    this.reservations = reservations;
    this.placement = placement;
    this.commands = commands;
    this.clusters = clusters;
    this.decisions = decisions;
  }

  // ---- in the transaction ----

  /**
   * Reserves the room of every placed row in one statement. Rows on a node group that another
   * replica filled meanwhile are decided again, one at a time, after reloading their cluster.
   */
  Uni<Void> reserve(SqlConnection tx, List<Item> placed) {
    return reservations
        .reserveAll(tx, placed.stream().map(Item::want).toList())
        .flatMap(
            lost -> {
              if (lost.isEmpty()) {
                return Uni.createFrom().voidItem();
              }
              List<Item> losers = placed.stream().filter(i -> lost.contains(i.placement)).toList();
              losers.forEach(decisions::giveBack);
              return Multi.createFrom()
                  .iterable(
                      lost.stream().map(p -> UUID.fromString(p.clusterId())).distinct().toList())
                  .onItem()
                  .transformToUniAndConcatenate(placement::refresh)
                  .collect()
                  .last()
                  .flatMap(
                      v ->
                          Multi.createFrom()
                              .iterable(losers)
                              .onItem()
                              .transformToUniAndConcatenate(i -> decideAlone(tx, i, 2))
                              .collect()
                              .last())
                  .replaceWithVoid();
            });
  }

  /**
   * Decides a row that lost its node group again, alone, and reserves its room; refused once its
   * attempts reach the engine's maximum.
   */
  private Uni<Void> decideAlone(SqlConnection tx, Item item, int attempt) {
    Decision decision = placement.decide(item.reservationId(), item.request, Optional.empty());
    if (!(decision instanceof Decision.Scheduled scheduled)) {
      item.refusal = decisions.unschedulable(item, decision);
      return Uni.createFrom().voidItem();
    }
    item.place(
        scheduled,
        DesktopRequests.summary(scheduled, decisions.clusterName(scheduled.placement())));
    return reservations
        .reserveAll(tx, List.of(item.want()))
        .flatMap(
            lost -> {
              if (lost.isEmpty()) {
                return Uni.createFrom().voidItem();
              }
              Placement taken = item.placement;
              decisions.giveBack(item);
              if (attempt >= placement.maxAttempts()) {
                item.refusal =
                    new UnschedulableException(
                        "capacity changed under "
                            + attempt
                            + " placement attempts; no room was left that fits this desktop");
                return Uni.createFrom().voidItem();
              }
              return placement
                  .refresh(UUID.fromString(taken.clusterId()))
                  .flatMap(v -> decideAlone(tx, item, attempt + 1));
            });
  }

  /**
   * Inserts the batch's new desktops, applies the commands of directly served clusters, and queues
   * the batch's events and agent commands, which PostgreSQL delivers on commit.
   */
  Uni<Void> write(SqlConnection tx, CreationBatch b) {
    List<Item> placed = b.placed();
    List<DesktopEntity> desktops = placed.stream().map(i -> i.desktop).toList();
    return repository
        .insertAll(tx, desktops)
        // Only an idempotency key taken by a transaction outside the owners' locks could make
        // rows go missing; nothing of the batch is kept then.
        .invoke(inserted -> requireAll(inserted, desktops.size(), "desktops of the batch existed"))
        .flatMap(
            v ->
                Multi.createFrom()
                    .iterable(desktops)
                    .onItem()
                    .transformToUniAndConcatenate(
                        d -> commands.prepare(d, CommandKind.START).invoke(() -> b.prepared.add(d)))
                    .collect()
                    .last())
        .flatMap(v -> claim(tx, b.claimed(), b.claimedPools()))
        .flatMap(
            v -> {
              List<String> events = new ArrayList<>();
              List<String> agentCommands = new ArrayList<>();
              // A claimed pool member is new to its owner, as a created desktop is; its agent
              // hears the new owner (a START of a running desktop changes nothing else). A direct
              // backend keeps the owner it was created with (ADR 0035).
              List<DesktopEntity> announced = new ArrayList<>(desktops);
              announced.addAll(b.claimed());
              for (DesktopEntity d : announced) {
                events.add(DesktopEventBus.event(Desktop.from(d), null).encode());
                if (!commands.direct(d.clusterId)) {
                  agentCommands.add(
                      DesktopCommands.command(d.id, d.clusterId, CommandKind.START).encode());
                }
              }
              Map<String, List<String>> byChannel = new LinkedHashMap<>();
              byChannel.put(Channels.DESKTOP, events);
              byChannel.put(Channels.COMMAND, agentCommands);
              return repository.notifyOnCommit(tx, byChannel);
            });
  }

  /**
   * Hands the claimed warm-pool members to their new owners, in one statement, and notes when their
   * pools were last claimed from, in another.
   */
  private Uni<Void> claim(SqlConnection tx, List<DesktopEntity> claimed, Set<UUID> pools) {
    return repository
        .claimAll(tx, claimed)
        // The members are locked by this transaction: only a bug could make rows go missing.
        .invoke(n -> requireAll(n, claimed.size(), "claimed pool members changed under their lock"))
        .chain(() -> repository.poolsClaimed(tx, pools));
  }

  /** Fails the batch's transaction when a statement wrote fewer rows than it was given. */
  private static void requireAll(int written, int expected, String missing) {
    if (written != expected) {
      throw new IllegalStateException((expected - written) + " " + missing);
    }
  }

  // ---- after the transaction ----

  /**
   * Confirms or gives back the batch's room, then answers every caller: a bulk creation's one
   * caller through {@code bulk}, else (null) each item's own.
   */
  Uni<Void> finish(CreationBatch b, Throwable failure, Answer<List<Desktop>> bulk) {
    List<Item> placed = b.placed();
    if (failure == null) {
      placed.forEach(i -> placement.confirm(i.reservationId()));
      return Multi.createFrom()
          .iterable(placed)
          .filter(i -> commands.direct(i.desktop.clusterId))
          .onItem()
          .transformToUniAndConcatenate(
              i ->
                  commands
                      .request(i.desktop.id, i.desktop.clusterId, CommandKind.START)
                      .onFailure()
                      .recoverWithNull())
          .collect()
          .last()
          .flatMap(
              v -> {
                if (bulk != null) {
                  bulk.succeed(b.items.stream().map(i -> Desktop.from(i.result())).toList());
                  return Uni.createFrom().voidItem();
                }
                return clustersOf(b)
                    .invoke(found -> b.items.forEach(i -> i.answerCommitted(found)));
              })
          .replaceWithVoid();
    }
    placed.forEach(decisions::giveBack);
    ApiException error =
        failure instanceof ApiException api
            ? api
            : new UnavailableException(
                "the database could not write the batch this creation was part of; nothing was"
                    + " changed, retry (with the same requestId a retry never creates twice)");
    if (!(failure instanceof ApiException)) {
      LOG.warnf(failure, "a placement batch of %d failed and changed nothing", b.items.size());
    }
    return Multi.createFrom()
        .iterable(List.copyOf(b.prepared))
        .onItem()
        .transformToUniAndConcatenate(d -> commands.undo(d.id, d.clusterId))
        .collect()
        .last()
        .invoke(
            () -> {
              if (bulk != null) {
                bulk.fail(error);
              } else {
                b.items.forEach(i -> i.answerFailed(error));
              }
            })
        .replaceWithVoid();
  }

  /**
   * The clusters of the batch's desktops as the API shows them, one query for the whole batch, so
   * that no answer looks its cluster up alone; none when the query fails (each answer then does).
   */
  private Uni<Map<UUID, Cluster>> clustersOf(CreationBatch b) {
    Set<UUID> ids = new HashSet<>();
    for (Item i : b.items) {
      Item source = i.sameAs != null ? i.sameAs : i;
      if ((source.existing != null || source.placement != null || source.claimed != null)
          && source.result().clusterId != null) {
        ids.add(source.result().clusterId);
      }
    }
    return clusters
        .byIds(ids)
        .onFailure()
        .invoke(e -> LOG.debugf("answers look their clusters up alone: %s", e.toString()))
        .onFailure()
        .recoverWithItem(Map.of());
  }
}
