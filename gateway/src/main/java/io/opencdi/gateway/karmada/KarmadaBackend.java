package io.opencdi.gateway.karmada;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opencdi.gateway.cluster.ClusterEventBus;
import io.opencdi.gateway.common.UnavailableException;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.desktop.DesktopStatusService;
import io.opencdi.gateway.desktop.DirectCommands;
import io.opencdi.protocol.CommandKind;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The karmada placement backend. With {@code opencdi.karmada.enabled=true} the gateway:
 *
 * <ul>
 *   <li>reads Karmada's member clusters ({@code Cluster} objects, through an informer) into the
 *       same inventory, and so the same placement snapshot, as clusters that agents report;
 *   <li>carries out the commands of those clusters' desktops on the Karmada API server: the {@code
 *       Desktop} plus a {@code PropagationPolicy} naming the cluster placement chose, a power
 *       patch, a deletion;
 *   <li>reads each desktop's state back from the Desktop's status on the Karmada API server, where
 *       Karmada's status aggregation puts what the member's agent wrote.
 * </ul>
 *
 * Disabled (the default), it does nothing and serves no cluster.
 */
@ApplicationScoped
public class KarmadaBackend implements DirectCommands {
  private static final Logger LOG = Logger.getLogger(KarmadaBackend.class);

  private final KarmadaConfig config;
  private final KarmadaInventory inventory;
  private final DesktopStatusService statuses;
  private final ClusterEventBus clusterEvents;
  private final Map<UUID, String> served = new ConcurrentHashMap<>();
  private final Map<String, MemberCluster> lastSeen = new ConcurrentHashMap<>();
  // Desktops that a command found missing on Karmada: once committed they are STOPPED or DELETED.
  private final Map<UUID, CommandKind> absent = new ConcurrentHashMap<>();
  // Informer events are recorded one after another on a thread of their own, where waiting for
  // the database is allowed (informer callbacks may run on the client's I/O threads).
  private final ExecutorService events =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "opencdi-karmada-events");
            t.setDaemon(true);
            return t;
          });
  private volatile KubernetesClient client;
  private volatile SharedIndexInformer<GenericKubernetesResource> clusters;
  private volatile SharedIndexInformer<GenericKubernetesResource> desktops;

  public KarmadaBackend(
      KarmadaConfig config,
      KarmadaInventory inventory,
      DesktopStatusService statuses,
      ClusterEventBus clusterEvents) {
    this.config = config;
    this.inventory = inventory;
    this.statuses = statuses;
    this.clusterEvents = clusterEvents;
  }

  void onStart(@Observes StartupEvent event) throws Throwable {
    if (!config.enabled()) {
      return;
    }
    client = KarmadaClientFactory.create(config);
    // Commands of clusters Karmada fed before go to Karmada even before the informer has synced.
    served.putAll(VertxContextSupport.subscribeAndAwait(inventory::known));
    MemberCluster.Defaults defaults =
        new MemberCluster.Defaults(
            config.defaultArchitecture(),
            config.defaultRuntimeClasses(),
            config.defaultStorageClasses());
    long resync = config.resync().toMillis();
    clusters = client.genericKubernetesResources(KarmadaObjects.CLUSTERS).runnableInformer(resync);
    clusters.addEventHandler(new ClusterHandler(defaults));
    // Karmada may be down while the gateway starts: keep trying, agent clusters work meanwhile.
    clusters.exceptionHandler((started, t) -> true);
    clusters.start();
    desktops =
        client
            .genericKubernetesResources(KarmadaObjects.DESKTOPS)
            .inNamespace(config.namespace())
            .withLabel(KarmadaObjects.MANAGED_BY, KarmadaObjects.MANAGER)
            .runnableInformer(resync);
    desktops.addEventHandler(new DesktopHandler());
    desktops.exceptionHandler((started, t) -> true);
    desktops.start();
    LOG.infof(
        "Karmada backend: %s, desktops in namespace %s", client.getMasterUrl(), config.namespace());
  }

  void onStop(@Observes ShutdownEvent event) {
    if (clusters != null) {
      clusters.close();
    }
    if (desktops != null) {
      desktops.close();
    }
    if (client != null) {
      client.close();
    }
    events.shutdownNow();
  }

  /** Whether the informers are connected to the Karmada API server (for tests and health). */
  public boolean watching() {
    return clusters != null && clusters.isWatching() && desktops.isWatching();
  }

  @Override
  public boolean serves(UUID clusterId) {
    return served.containsKey(clusterId);
  }

  @Override
  public Uni<Void> apply(DesktopEntity d, CommandKind kind) {
    String cluster = served.get(d.clusterId);
    String ns = config.namespace();
    return blocking(
        () -> {
          try {
            switch (kind) {
              case START -> {
                // The policy first: the Desktop is then never matched by a broader policy.
                createOrPatch(
                    KarmadaObjects.POLICIES,
                    KarmadaObjects.policy(d.id, cluster, ns),
                    KarmadaObjects.policySpec(d.id, cluster, ns));
                createOrPatch(
                    KarmadaObjects.DESKTOPS,
                    KarmadaObjects.desktop(d, cluster, ns),
                    KarmadaObjects.spec(d));
              }
              case STOP -> {
                if (!patch(
                    KarmadaObjects.DESKTOPS,
                    KarmadaObjects.name(d.id),
                    Map.of("spec", Map.of("power", KarmadaObjects.power(d.power))))) {
                  absent.put(d.id, CommandKind.STOP);
                }
              }
              case DELETE -> {
                boolean existed =
                    !resources(KarmadaObjects.DESKTOPS)
                        .withName(KarmadaObjects.name(d.id))
                        .delete()
                        .isEmpty();
                resources(KarmadaObjects.POLICIES).withName(KarmadaObjects.name(d.id)).delete();
                if (!existed) {
                  absent.put(d.id, CommandKind.DELETE);
                }
              }
            }
            return null;
          } catch (KubernetesClientException e) {
            LOG.warnf(
                "Karmada refused %s of desktop %s: %s", kind, d.id, String.valueOf(e.getMessage()));
            throw new UnavailableException(
                "the Karmada API server "
                    + (e.getCode() == 0
                        ? "could not be reached"
                        : "refused the change (HTTP " + e.getCode() + ")")
                    + "; nothing was changed, try again later");
          }
        });
  }

  @Override
  public Uni<Void> committed(UUID desktopId, CommandKind kind) {
    CommandKind missing = absent.remove(desktopId);
    if (missing != null) {
      // Nothing runs on Karmada for it, so no status will ever come: it is as asked at once.
      DesktopState state =
          missing == CommandKind.DELETE ? DesktopState.DELETED : DesktopState.STOPPED;
      return statuses.apply(
          new DesktopStatus(
              desktopId.toString(), null, null, state, null, System.currentTimeMillis()));
    }
    return kind == CommandKind.START
        ? statuses.acknowledged(desktopId, true, null)
        : Uni.createFrom().voidItem();
  }

  @Override
  public Uni<Void> undo(UUID desktopId, UUID clusterId) {
    absent.remove(desktopId);
    return blocking(
            () -> {
              resources(KarmadaObjects.DESKTOPS).withName(KarmadaObjects.name(desktopId)).delete();
              resources(KarmadaObjects.POLICIES).withName(KarmadaObjects.name(desktopId)).delete();
              return null;
            })
        .onFailure()
        .invoke(
            e ->
                LOG.warnf(
                    "could not take back desktop %s on Karmada after a failed request: %s",
                    desktopId, e.toString()))
        .onFailure()
        .recoverWithNull()
        .replaceWithVoid();
  }

  // ---- Karmada API calls (blocking; never on an event loop)

  private MixedOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      resources(ResourceDefinitionContext context) {
    return client.genericKubernetesResources(context);
  }

  private void createOrPatch(
      ResourceDefinitionContext context,
      GenericKubernetesResource object,
      Map<String, Object> spec) {
    try {
      resources(context).inNamespace(config.namespace()).resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      patch(
          context,
          object.getMetadata().getName(),
          Map.of("metadata", Map.of("labels", object.getMetadata().getLabels()), "spec", spec));
    }
  }

  /** A JSON merge patch; false when the object does not exist. */
  private boolean patch(ResourceDefinitionContext context, String name, Map<String, Object> patch) {
    try {
      resources(context)
          .inNamespace(config.namespace())
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              client.getKubernetesSerialization().asJson(patch));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Runs a blocking client call off the event loop and continues on the caller's Vert.x context, so
   * that the desktop's Hibernate Reactive session is used on its own thread only.
   */
  private static <T> Uni<T> blocking(Callable<T> call) {
    Context context = Vertx.currentContext();
    if (context == null) {
      return Uni.createFrom()
          .item(
              () -> {
                try {
                  return call.call();
                } catch (RuntimeException e) {
                  throw e;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              })
          .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
    return Uni.createFrom()
        .completionStage(() -> context.<T>executeBlocking(call, false).toCompletionStage());
  }

  private <T> T await(Uni<T> work) {
    return work.await().atMost(Duration.ofSeconds(30));
  }

  // ---- informers

  /** Member clusters into the inventory; every event (and resync) is also a heartbeat. */
  private final class ClusterHandler implements ResourceEventHandler<GenericKubernetesResource> {
    private final MemberCluster.Defaults defaults;

    ClusterHandler(MemberCluster.Defaults defaults) {
      this.defaults = defaults;
    }

    @Override
    public void onAdd(GenericKubernetesResource cluster) {
      events.execute(() -> sync(cluster));
    }

    @Override
    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource cluster) {
      events.execute(() -> sync(cluster));
    }

    @Override
    public void onDelete(GenericKubernetesResource cluster, boolean finalStateUnknown) {
      events.execute(() -> removed(cluster));
    }

    private void removed(GenericKubernetesResource cluster) {
      String name = cluster.getMetadata().getName();
      lastSeen.remove(name);
      try {
        UUID id = await(inventory.removed(name));
        if (id != null) {
          await(clusterEvents.publish(id, "health"));
        }
      } catch (RuntimeException e) {
        LOG.warnf("could not record that Karmada removed cluster %s: %s", name, e.toString());
      }
    }

    private void sync(GenericKubernetesResource cluster) {
      // A resync replays the cache; it is no sign of life while the watch is down.
      if (!clusters.isWatching()) {
        return;
      }
      MemberCluster m;
      try {
        m = MemberCluster.of(cluster, defaults);
      } catch (RuntimeException e) {
        LOG.warnf("ignoring Karmada cluster %s: %s", cluster.getMetadata().getName(), e.toString());
        return;
      }
      boolean changed = !m.equals(lastSeen.put(m.name(), m));
      try {
        UUID id = await(inventory.upsert(m));
        if (id == null) {
          return;
        }
        served.put(id, m.name());
        if (changed) {
          await(clusterEvents.publish(id, "capacity"));
        }
      } catch (RuntimeException e) {
        lastSeen.remove(m.name());
        LOG.warnf("could not record Karmada cluster %s: %s", m.name(), e.toString());
      }
    }
  }

  /** Desktop states back from the status Karmada aggregated onto each Desktop. */
  private final class DesktopHandler implements ResourceEventHandler<GenericKubernetesResource> {
    @Override
    public void onAdd(GenericKubernetesResource desktop) {
      events.execute(() -> report(desktop));
    }

    @Override
    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource desktop) {
      // A spec change (power) carries the old status along: that is no news and must not undo
      // the command (a stale STOPPED after a power-on, say).
      if (!Objects.equals(status(old), status(desktop))) {
        events.execute(() -> report(desktop));
      }
    }

    @Override
    public void onDelete(GenericKubernetesResource desktop, boolean finalStateUnknown) {
      events.execute(() -> gone(desktop));
    }

    private void gone(GenericKubernetesResource desktop) {
      UUID id = KarmadaObjects.desktopId(desktop.getMetadata().getName());
      if (id != null) {
        // Only a desktop whose deletion was asked for becomes DELETED (DesktopStatusService).
        apply(
            new DesktopStatus(
                id.toString(),
                cluster(desktop),
                null,
                DesktopState.DELETED,
                null,
                System.currentTimeMillis()));
      }
    }

    private void report(GenericKubernetesResource desktop) {
      UUID id = KarmadaObjects.desktopId(desktop.getMetadata().getName());
      Map<String, Object> status = status(desktop);
      if (id == null || status == null || !(status.get("state") instanceof String s)) {
        return;
      }
      DesktopState state;
      try {
        state = DesktopState.valueOf(s);
      } catch (IllegalArgumentException e) {
        return;
      }
      if (state == DesktopState.PENDING
          || state == DesktopState.SCHEDULED
          || state == DesktopState.DELETED) {
        return; // the gateway's own states, and deletion is the Desktop going away
      }
      apply(
          new DesktopStatus(
              id.toString(),
              cluster(desktop),
              status.get("node") instanceof String n ? n : null,
              state,
              status.get("reason") instanceof String r ? r : null,
              observedAt(status.get("lastTransitionTime"))));
      if (state == DesktopState.FAILED
          && desktop.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
          && "On".equals(spec.get("power"))) {
        // As the agent does in its own cluster: a failed desktop is powered off, so that Karmada
        // does not keep restoring "On" in the member and restart it over and over. The next
        // START powers it on again.
        try {
          patch(
              KarmadaObjects.DESKTOPS,
              desktop.getMetadata().getName(),
              Map.of("spec", Map.of("power", "Off")));
        } catch (KubernetesClientException e) {
          LOG.warnf("could not power off failed desktop %s on Karmada: %s", id, e.getMessage());
        }
      }
    }

    private void apply(DesktopStatus status) {
      try {
        await(statuses.apply(status));
      } catch (RuntimeException e) {
        LOG.warnf(
            "could not record Karmada's status of desktop %s: %s",
            status.desktopId(), e.toString());
      }
    }
  }

  private static String cluster(GenericKubernetesResource desktop) {
    Map<String, String> labels = desktop.getMetadata().getLabels();
    return labels == null ? null : labels.get(KarmadaObjects.CLUSTER_LABEL);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource desktop) {
    return desktop.getAdditionalProperties().get("status") instanceof Map<?, ?> m
        ? (Map<String, Object>) m
        : null;
  }

  private static long observedAt(Object time) {
    if (time instanceof String s) {
      try {
        return OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } catch (RuntimeException e) {
        // fall through: an unreadable time is "now"
      }
    }
    return System.currentTimeMillis();
  }
}
