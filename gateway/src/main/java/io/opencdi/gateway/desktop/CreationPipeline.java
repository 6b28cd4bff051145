package io.opencdi.gateway.desktop;

import io.opencdi.gateway.applayer.AppLayerRepository;
import io.opencdi.gateway.applayer.Layer;
import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.cluster.ClusterQueries;
import io.opencdi.gateway.common.ApiException;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.desktop.CreationBatch.Answer;
import io.opencdi.gateway.desktop.CreationBatch.Item;
import io.opencdi.gateway.desktop.CreationRepository.RequestKey;
import io.opencdi.gateway.desktop.api.CreateDesktopInput;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.placement.PlacementConfig;
import io.opencdi.gateway.placement.PlacementService;
import io.opencdi.gateway.placement.Reservations;
import io.opencdi.gateway.quota.Quotas;
import io.opencdi.gateway.template.TemplateEntity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 *
 * <p>This class keeps the queue, the loop and the reads of a batch of single creations; the rest is
 * split by responsibility: {@link CreationDecisions} decides a batch in memory, {@link
 * CreationWrites} writes it in its transaction and answers its callers, {@link BulkCreation} runs a
 * bulk creation, and {@link CreationBatch} holds a batch's bookkeeping.
 */
@ApplicationScoped
public class CreationPipeline {
  private static final Logger LOG = Logger.getLogger(CreationPipeline.class);

  private final Pool pool;
  private final CreationRepository repository;
  private final WarmMembers warm;
  private final AppLayerRepository layers;
  private final CreationDecisions decisions;
  private final CreationWrites writes;
  private final BulkCreation bulk;
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
    this.warm = warm;
    this.layers = layers;
    // Plain objects, not beans: the hot path calls them directly, through no client proxy.
    this.decisions = new CreationDecisions(placement, quotas, warm);
    this.writes =
        new CreationWrites(repository, reservations, placement, commands, clusters, decisions);
    this.bulk = new BulkCreation(pool, repository, decisions, writes);
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
        batch.get(0) instanceof Bulk job
            ? bulk.create(job)
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
    CreationBatch b = new CreationBatch();
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
                        b.attachExisting(existing);
                        return repository.usage(tx, owners);
                      })
                  .flatMap(
                      usage ->
                          warmMembers(tx, b, jobs)
                              .invoke(members -> decisions.decideSingles(b, usage, members)))
                  .flatMap(v -> writes.reserve(tx, b.placed()))
                  .flatMap(v -> writes.write(tx, b));
            })
        .onItemOrFailure()
        .transformToUni((v, failure) -> writes.finish(b, failure, null));
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
      CreationBatch b,
      List<Single> jobs,
      Map<UUID, TemplateEntity> templates,
      Map<UUID, Layer> known) {
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
          CreationBatch.newDesktop(
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
      SqlConnection tx, CreationBatch b, List<Single> jobs) {
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

  // ---- the queue's jobs ----

  private static <T> Answer<T> answer(UniEmitter<? super T> emitter) {
    return new Answer<>(emitter);
  }

  sealed interface Job permits Single, Bulk {
    Answer<?> answer();
  }

  private record Single(
      Caller caller, CreateDesktopInput input, UUID templateId, Answer<Desktop> answer)
      implements Job {}

  record Bulk(
      UUID templateId,
      List<String> owners,
      String namePrefix,
      String region,
      String zone,
      String requestId,
      UUID poolId,
      Answer<List<Desktop>> answer)
      implements Job {}
}
