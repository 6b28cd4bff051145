package io.opencdi.gateway.desktop;

import io.opencdi.gateway.applayer.AppLayerRepository;
import io.opencdi.gateway.applayer.Layer;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.auth.api.User;
import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.cluster.api.Cluster;
import io.opencdi.gateway.common.ApiException;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.UnavailableException;
import io.opencdi.gateway.common.UnschedulableException;
import io.opencdi.gateway.desktop.CreationRepository.RequestKey;
import io.opencdi.gateway.desktop.api.CreateDesktopInput;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.events.Channels;
import io.opencdi.gateway.graphql.SharedLookups;
import io.opencdi.gateway.placement.PlacementConfig;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.placement.Reservations;
import io.opencdi.gateway.quota.QuotaLimits;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.gateway.template.api.Template;
import io.opencdi.placement.framework.Decision;
import io.opencdi.placement.model.ClusterState;
import io.opencdi.placement.model.DesktopRequest;
import io.opencdi.placement.model.Placement;
import io.opencdi.placement.model.QuotaAllowance;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The placement pipeline of this replica (ADR 0025). Creations enqueue; one loop takes what has
 * queued up (up to {@link PlacementConfig#maxBatch}), decides each in memory against the snapshot
 * and the room other decisions hold, and writes the whole batch in one transaction of set-based
 * statements: the owners locked and their quotas checked together, one conditional update of the
 * node groups for all rows, one multi-row insert, and the batch's notifications, delivered on
 * commit. Whatever arrives while a batch is written forms the next one, so batches grow with the
 * load and a lone request waits for nothing.
 *
 * <p>Every caller gets its own answer: a refusal (quota, no room, no such template) is that
 * caller's alone. A row whose node group was taken meanwhile (by another replica) is decided again
 * alone. A batch whose transaction fails answers each of its callers with an error and changes
 * nothing. A bulk creation ({@code createDesktops}) is a batch of its own: one decision pass of the
 * engine and one transaction, all or nothing.
 */
@ApplicationScoped
public class CreationPipeline {
  private static final Logger LOG = Logger.getLogger(CreationPipeline.class);

  private final Pool pool;
  private final CreationRepository repository;
  private final Reservations reservations;
  private final PlacementService placement;
  private final DesktopCommands commands;
  private final Quotas quotas;
  private final ClusterQueries clusters;
  private final WarmMembers warm;
  private final AppLayerRepository layers;
  private final int maxBatch;
  // Guarded by this.
  private final ArrayDeque<Job> queue = new ArrayDeque<>();
  private boolean running;

  public CreationPipeline(
      Pool pool,
      CreationRepository repository,
      Reservations reservations,
      PlacementService placement,
      DesktopCommands commands,
      Quotas quotas,
      ClusterQueries clusters,
      WarmMembers warm,
      AppLayerRepository layers,
      PlacementConfig config) {
    this.pool = pool;
    this.repository = repository;
    this.reservations = reservations;
    this.placement = placement;
    this.commands = commands;
    this.quotas = quotas;
    this.clusters = clusters;
    this.warm = warm;
    this.layers = layers;
    this.maxBatch = Math.max(1, config.maxBatch());
  }

  /** Creates one desktop, placed and reserved, or fails having changed nothing. */
  public Uni<Desktop> create(Caller caller, CreateDesktopInput input, UUID templateId) {
    return Uni.createFrom()
        .emitter(emitter -> enqueue(new Single(caller, input, templateId, answer(emitter))));
  }

  /**
   * Creates a desktop for each of {@code owners} (user names) in one decision pass and one
   * transaction: all of them, or none.
   */
  public Uni<List<Desktop>> createMany(
      UUID templateId,
      List<String> owners,
      String namePrefix,
      String region,
      String zone,
      String requestId) {
    return createMany(templateId, owners, namePrefix, region, zone, requestId, null);
  }

  /**
   * {@link #createMany} for the members of the warm pool {@code poolId}, owned by {@link
   * SystemUsers#WARM_POOLS} until a user claims one (ADR 0035); null for users' own desktops.
   */
  public Uni<List<Desktop>> createMany(
      UUID templateId,
      List<String> owners,
      String namePrefix,
      String region,
      String zone,
      String requestId,
      UUID poolId) {
    return Uni.createFrom()
        .emitter(
            emitter ->
                enqueue(
                    new Bulk(
                        templateId,
                        owners,
                        namePrefix,
                        region,
                        zone,
                        requestId,
                        poolId,
                        answer(emitter))));
  }

  /** How many creations wait for their batch. */
  public synchronized int waiting() {
    return queue.size();
  }

  // ---- the loop ----

  private void enqueue(Job job) {
    boolean start;
    synchronized (this) {
      queue.add(job);
      start = !running;
      running = true;
    }
    if (start) {
      next();
    }
  }

  private void next() {
    List<Job> batch = new ArrayList<>();
    synchronized (this) {
      while (!queue.isEmpty() && batch.size() < maxBatch) {
        Job head = queue.peek();
        if (head.answer().abandoned) {
          queue.poll(); // its caller went away before anything was decided
          continue;
        }
        if (head instanceof Bulk) {
          if (batch.isEmpty()) {
            batch.add(queue.poll());
          }
          break;
        }
        batch.add(queue.poll());
      }
      if (batch.isEmpty()) {
        running = false;
        return;
      }
    }
    Uni<Void> work =
        batch.get(0) instanceof Bulk bulk
            ? bulk(bulk)
            : singles(batch.stream().map(Single.class::cast).toList());
    work.subscribe()
        .with(
            v -> next(),
            e -> {
              LOG.errorf(e, "a placement batch ended unexpectedly");
              next();
            });
  }

  // ---- single creations ----

  private Uni<Void> singles(List<Single> jobs) {
    Batch b = new Batch();
    for (Single j : jobs) {
      b.items.add(new Item(j.answer()));
    }
    return pool.withTransaction(
            tx -> {
              Set<UUID> owners = new TreeSet<>();
              Set<UUID> templates = new LinkedHashSet<>();
              jobs.forEach(
                  j -> {
                    owners.add(j.caller().userId());
                    templates.add(j.templateId());
                  });
              return repository
                  .lockOwners(tx, owners)
                  .flatMap(
                      users -> {
                        b.users = users;
                        return repository.templates(tx, templates);
                      })
                  .flatMap(
                      found ->
                          layers
                              .byIds(tx, layerIds(jobs))
                              .map(
                                  known -> {
                                    prepareSingles(b, jobs, found, known);
                                    return known;
                                  }))
                  .flatMap(known -> repository.existing(tx, b.keys.keySet()))
                  .flatMap(
                      existing -> {
                        b.keys.forEach(
                            (key, item) -> {
                              DesktopEntity e = existing.get(key);
                              if (e != null) {
                                item.existing = e;
                              }
                            });
                        return repository.usage(tx, owners);
                      })
                  .flatMap(
                      usage ->
                          warmMembers(tx, b, jobs)
                              .invoke(members -> decideSingles(b, usage, members)))
                  .flatMap(v -> reserve(tx, b.placed()))
                  .flatMap(v -> write(tx, b));
            })
        .onItemOrFailure()
        .transformToUni((v, failure) -> finish(b, failure, null));
  }

  /** The well-formed layer ids the batch's creations add; ill-formed ones are refused later. */
  private static Set<UUID> layerIds(List<Single> jobs) {
    Set<UUID> ids = new HashSet<>();
    for (Single j : jobs) {
      if (j.input().apps() != null) {
        for (String a : j.input().apps()) {
          try {
            ids.add(UUID.fromString(a));
          } catch (IllegalArgumentException | NullPointerException bad) {
            // refused with its reason in addedLayers
          }
        }
      }
    }
    return ids;
  }

  /** The layers a creation adds to its template's, or a refusal. */
  private static List<Layer> addedLayers(CreateDesktopInput in, Map<UUID, Layer> known) {
    if (in.apps() == null || in.apps().isEmpty()) {
      return List.of();
    }
    return LayerStack.resolve(
        in.apps().stream().map(a -> Ids.parse(a, "app layer")).toList(), known);
  }

  /** Builds each caller's desktop, or its refusal; keys each idempotent request once. */
  private void prepareSingles(
      Batch b, List<Single> jobs, Map<UUID, TemplateEntity> templates, Map<UUID, Layer> known) {
    for (int i = 0; i < jobs.size(); i++) {
      Single j = jobs.get(i);
      Item item = b.items.get(i);
      UserEntity owner = b.users.get(j.caller().userId());
      TemplateEntity t = templates.get(j.templateId());
      if (owner == null || SystemUsers.isSystem(owner.id)) {
        item.refusal = new NotFoundException("your user no longer exists");
        continue;
      }
      if (t == null) {
        item.refusal = new NotFoundException("no template with id " + j.templateId());
        continue;
      }
      CreateDesktopInput in = j.input();
      item.owner = owner;
      item.template = t;
      item.arch = t.arch;
      item.desktop =
          newDesktop(
              owner,
              t,
              in.name() == null || in.name().isBlank() ? t.name : in.name().strip(),
              in.cpuMillis() == null ? t.cpuMillis : in.cpuMillis(),
              in.memoryMiB() == null ? t.memoryMiB : in.memoryMiB(),
              in.region(),
              in.zone(),
              in.requestId());
      try {
        List<Layer> added = addedLayers(in, known);
        if (!added.isEmpty()) {
          item.desktop.appLayers =
              LayerStack.toJson(LayerStack.compose(LayerStack.fromJson(t.appLayers), added));
          item.addsLayers = true;
        }
      } catch (ApiException refused) {
        item.refusal = refused;
        item.desktop = null;
        continue;
      }
      if (in.requestId() != null) {
        RequestKey key = new RequestKey(owner.id, in.requestId());
        Item first = b.keys.putIfAbsent(key, item);
        if (first != null) {
          item.sameAs = first; // a retry that arrived while its first try is in this batch
        }
      }
    }
  }

  /**
   * The ready members of the warm pools that could serve the batch's new desktops, locked for this
   * transaction and grouped by pool, oldest first. Members another transaction holds (a claim on
   * another replica, a report being applied) are skipped, not waited for. No query when no creation
   * of the batch has a pool.
   */
  private Uni<Map<UUID, ArrayDeque<DesktopEntity>>> warmMembers(
      SqlConnection tx, Batch b, List<Single> jobs) {
    Set<UUID> pools = new LinkedHashSet<>();
    for (int i = 0; i < jobs.size(); i++) {
      Item item = b.items.get(i);
      CreateDesktopInput in = jobs.get(i).input();
      if (item.desktop == null || item.existing != null || item.sameAs != null) {
        continue;
      }
      // A member has the template's resources and layers; a creation that asks for others
      // starts cold.
      boolean templateSized =
          item.desktop.cpuMillis == item.template.cpuMillis
              && item.desktop.memoryMiB == item.template.memoryMiB;
      if (templateSized && !item.addsLayers) {
        item.pools = warm.poolsFor(item.template.id, in.region(), in.zone());
        pools.addAll(item.pools);
      }
    }
    if (pools.isEmpty()) {
      return Uni.createFrom().item(Map.of());
    }
    return repository.readyMembers(tx, pools, Math.min(4 * b.items.size(), 1000));
  }

  private void decideSingles(
      Batch b, Map<UUID, Quotas.Usage> usage, Map<UUID, ArrayDeque<DesktopEntity>> members) {
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
  private UnschedulableException unschedulable(Item item, Decision decision) {
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

  // ---- bulk creations ----

  private Uni<Void> bulk(Bulk job) {
    Batch b = new Batch();
    return pool.withTransaction(
            tx ->
                repository
                    .templates(tx, Set.of(job.templateId()))
                    .flatMap(
                        found -> {
                          TemplateEntity t = found.get(job.templateId());
                          if (t == null) {
                            throw new NotFoundException("no template with id " + job.templateId());
                          }
                          b.template = t;
                          // Named after the template when no prefix is given: that name must fit.
                          DesktopInputs.bulkNames(namePrefix(job, t), job.owners());
                          return repository.lockOwnersNamed(tx, new TreeSet<>(job.owners()));
                        })
                    .flatMap(
                        users -> {
                          prepareBulk(b, job, users);
                          return repository.existing(tx, b.keys.keySet());
                        })
                    .flatMap(
                        existing -> {
                          b.keys.forEach(
                              (key, item) -> {
                                DesktopEntity e = existing.get(key);
                                if (e != null) {
                                  item.existing = e;
                                }
                              });
                          return repository.usage(
                              tx,
                              b.items.stream()
                                  .map(i -> i.owner.id)
                                  .collect(TreeSet::new, Set::add, Set::addAll));
                        })
                    .invoke(usage -> decideBulk(b, usage))
                    .flatMap(v -> reserve(tx, b.placed()))
                    .invoke(
                        () ->
                            b.items.stream()
                                .filter(i -> i.refusal != null)
                                .findFirst()
                                .ifPresent(
                                    i -> {
                                      throw i.refusal;
                                    }))
                    .flatMap(v -> write(tx, b)))
        .onItemOrFailure()
        .transformToUni((v, failure) -> finish(b, failure, job));
  }

  private static String namePrefix(Bulk job, TemplateEntity t) {
    return job.namePrefix() == null ? t.name : job.namePrefix();
  }

  private void prepareBulk(Batch b, Bulk job, Map<String, UserEntity> users) {
    b.users = new HashMap<>();
    TemplateEntity t = b.template;
    for (int i = 0; i < job.owners().size(); i++) {
      String name = job.owners().get(i);
      UserEntity owner = users.get(name);
      // Only the pool keeper creates desktops for the warm pools' owner.
      if (owner == null || SystemUsers.isSystem(owner.id) != (job.poolId() != null)) {
        throw new NotFoundException("no user named '" + name + "'");
      }
      b.users.put(owner.id, owner);
      String requestId = job.requestId() == null ? null : job.requestId() + "#" + i;
      Item item = new Item(null);
      item.owner = owner;
      item.template = t;
      item.arch = t.arch;
      item.desktop =
          newDesktop(
              owner,
              t,
              namePrefix(job, t) + "-" + (i + 1),
              t.cpuMillis,
              t.memoryMiB,
              job.region(),
              job.zone(),
              requestId);
      item.desktop.poolId = job.poolId();
      b.items.add(item);
      if (requestId != null) {
        b.keys.put(new RequestKey(owner.id, requestId), item);
      }
    }
  }

  /** Checks every owner's quota in order, then decides all new desktops in one engine pass. */
  private void decideBulk(Batch b, Map<UUID, Quotas.Usage> usage) {
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

  private String clusterName(Placement p) {
    return placement
        .snapshot()
        .cluster(p.clusterId())
        .map(ClusterState::name)
        .orElse(p.clusterId());
  }

  // ---- in the transaction ----

  private static DesktopEntity newDesktop(
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
   * Reserves the room of every placed row in one statement. Rows on a node group that another
   * replica filled meanwhile are decided again, one at a time, after reloading their cluster.
   */
  private Uni<Void> reserve(SqlConnection tx, List<Item> placed) {
    return reservations
        .reserveAll(tx, placed.stream().map(Item::want).toList())
        .flatMap(
            lost -> {
              if (lost.isEmpty()) {
                return Uni.createFrom().voidItem();
              }
              List<Item> losers = placed.stream().filter(i -> lost.contains(i.placement)).toList();
              losers.forEach(this::giveBack);
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

  private Uni<Void> decideAlone(SqlConnection tx, Item item, int attempt) {
    Decision decision = placement.decide(item.reservationId(), item.request, Optional.empty());
    if (!(decision instanceof Decision.Scheduled scheduled)) {
      item.refusal = unschedulable(item, decision);
      return Uni.createFrom().voidItem();
    }
    item.place(scheduled, DesktopRequests.summary(scheduled, clusterName(scheduled.placement())));
    return reservations
        .reserveAll(tx, List.of(item.want()))
        .flatMap(
            lost -> {
              if (lost.isEmpty()) {
                return Uni.createFrom().voidItem();
              }
              Placement taken = item.placement;
              giveBack(item);
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

  private void giveBack(Item item) {
    if (item.placement != null) {
      placement.release(
          item.reservationId(), item.placement, item.desktop.cpuMillis, item.desktop.memoryMiB);
      item.placement = null;
    }
  }

  /**
   * Inserts the batch's new desktops, applies the commands of directly served clusters, and queues
   * the batch's events and agent commands, which PostgreSQL delivers on commit.
   */
  private Uni<Void> write(SqlConnection tx, Batch b) {
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
        .flatMap(v -> claim(tx, b.claimed()))
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

  /** Hands the claimed warm-pool members to their new owners, in one statement. */
  private Uni<Void> claim(SqlConnection tx, List<DesktopEntity> claimed) {
    return repository
        .claimAll(tx, claimed)
        // The members are locked by this transaction: only a bug could make rows go missing.
        .invoke(n -> requireAll(n, claimed.size(), "claimed pool members changed under their lock"))
        .replaceWithVoid();
  }

  /** Fails the batch's transaction when a statement wrote fewer rows than it was given. */
  private static void requireAll(int written, int expected, String missing) {
    if (written != expected) {
      throw new IllegalStateException((expected - written) + " " + missing);
    }
  }

  // ---- after the transaction ----

  /** Confirms or gives back the batch's room, then answers every caller. */
  private Uni<Void> finish(Batch b, Throwable failure, Bulk bulk) {
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
                  bulk.answer()
                      .succeed(b.items.stream().map(i -> Desktop.from(i.result())).toList());
                  return Uni.createFrom().voidItem();
                }
                return clustersOf(b)
                    .invoke(found -> b.items.forEach(i -> i.answerCommitted(found)));
              })
          .replaceWithVoid();
    }
    placed.forEach(this::giveBack);
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
                bulk.answer().fail(error);
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
  private Uni<Map<UUID, Cluster>> clustersOf(Batch b) {
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

  // ---- the batch's bookkeeping ----

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

  private static <T> Answer<T> answer(UniEmitter<? super T> emitter) {
    return new Answer<>(emitter);
  }

  private sealed interface Job permits Single, Bulk {
    Answer<?> answer();
  }

  private record Single(
      Caller caller, CreateDesktopInput input, UUID templateId, Answer<Desktop> answer)
      implements Job {}

  private record Bulk(
      UUID templateId,
      List<String> owners,
      String namePrefix,
      String region,
      String zone,
      String requestId,
      UUID poolId,
      Answer<List<Desktop>> answer)
      implements Job {}

  private static final class Batch {
    final List<Item> items = new ArrayList<>();
    final Map<RequestKey, Item> keys = new HashMap<>();
    final List<DesktopEntity> prepared = new ArrayList<>();
    Map<UUID, UserEntity> users = Map.of();
    TemplateEntity template;

    List<Item> placed() {
      return items.stream().filter(i -> i.placement != null).toList();
    }

    List<DesktopEntity> claimed() {
      return items.stream().filter(i -> i.claimed != null).map(i -> i.claimed).toList();
    }
  }

  /** One desktop of a batch: new and placed, already there, or refused. */
  private static final class Item {
    final Answer<Desktop> answer;
    UserEntity owner;
    TemplateEntity template;
    String arch;
    DesktopEntity desktop;
    DesktopRequest request;
    Placement placement;
    DesktopEntity existing;
    DesktopEntity claimed;
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
