package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.SnapshotSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Runs desktops in one Kubernetes cluster: the gateway's commands become {@link Desktop} resources,
 * and a controller (informers feeding a {@link WorkQueue}) reconciles each Desktop into a Pod, a
 * home PersistentVolumeClaim, a display Service and a NetworkPolicy, and each {@link
 * DesktopSnapshot} into a CSI VolumeSnapshot. What the Pods do is reported to the listeners and
 * written into the Desktop's status; capacity comes from the Node, Pod and class informers.
 *
 * <p>Threads: informer callbacks only enqueue; one worker reconciles; one command thread writes the
 * Desktops that commands ask for (so commands return at once); one timer coalesces capacity events.
 * The informer caches are the only view of the cluster: nothing polls.
 *
 * <p>This class puts the parts together and answers the gateway: {@link KubernetesCache} holds the
 * informers and {@link KubernetesApi} makes the writes; {@link DesktopCommands} decides the desktop
 * commands and writes their Desktops; {@link DesktopReconciler} turns Desktops into what runs them
 * and {@link DesktopStatuses} reports what they do; {@link SnapshotReconciler} does the snapshots;
 * {@link RunningDesktops} answers for displays, watermarks and live use.
 */
public final class KubernetesRuntime implements DesktopRuntime {
  /** {@link #kind()} of this runtime. */
  public static final String KIND = "kubernetes";

  /** The runtime class name meaning "the cluster's default runtime, no RuntimeClass". */
  public static final String RUNC = "runc";

  private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final KubernetesSettings settings;
  private final RuntimeListeners listeners = new RuntimeListeners(LOG);
  private final WorkQueue queue;
  private final ExecutorService commands;
  private final ScheduledExecutorService timers;
  private final AtomicBoolean capacityPending = new AtomicBoolean();
  private final KubernetesCache cache;
  private final DesktopStatuses statuses;
  private final DesktopCommands desktopCommands;
  private final DesktopReconciler desktops;
  private final SnapshotReconciler snapshots;
  private final RunningDesktops running;

  /**
   * A runtime on {@code client}; call {@link #start} before use.
   *
   * @param ownsClient whether {@link #close} closes the client too
   */
  public KubernetesRuntime(
      KubernetesClient client, KubernetesSettings settings, boolean ownsClient) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.settings = settings;
    this.queue = new WorkQueue("opencdi-k8s-reconciler", this::reconcile);
    this.commands =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "opencdi-k8s-commands");
              t.setDaemon(true);
              return t;
            });
    this.timers =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "opencdi-k8s-capacity");
              t.setDaemon(true);
              return t;
            });
    DesktopResources resources = new DesktopResources(settings);
    KubernetesApi api = new KubernetesApi(client, settings.namespace());
    this.cache = new KubernetesCache(client, settings);
    this.statuses = new DesktopStatuses(settings, api, listeners);
    this.desktopCommands =
        new DesktopCommands(settings, cache, api, resources, statuses, queue, commands);
    this.desktops =
        new DesktopReconciler(settings, cache, api, resources, statuses, desktopCommands, queue);
    this.snapshots = new SnapshotReconciler(settings, cache, api, resources, listeners, commands);
    this.running = new RunningDesktops(settings, cache, api, statuses);
  }

  /**
   * Starts the informers and the reconciler and waits until every cache has its first list.
   *
   * @throws IllegalStateException when the API server cannot be listed within {@code timeout}
   */
  public KubernetesRuntime start(Duration timeout) {
    try {
      cache.start(
          timeout,
          new KubernetesCache.Changes() {
            @Override
            public void desktopChanged(String name) {
              queue.add(DesktopReconciler.KEY + name);
            }

            @Override
            public void snapshotChanged(String name) {
              queue.add(SnapshotReconciler.KEY + name);
            }

            @Override
            public void capacityChanged() {
              KubernetesRuntime.this.capacityChanged();
            }
          });
    } catch (IllegalStateException e) {
      close();
      throw e;
    }
    queue.start();
    LOG.infof(
        "kubernetes runtime for cluster %s: %s, namespace %s, %d nodes, %d desktops",
        settings.clusterName(),
        cache.masterUrl(),
        settings.namespace(),
        cache.nodes().size(),
        cache.desktops().size());
    return this;
  }

  // Capacity events arrive in bursts (a node update, a pod's every phase): one signal per burst.
  private void capacityChanged() {
    if (capacityPending.compareAndSet(false, true) && !timers.isShutdown()) {
      timers.schedule(
          () -> {
            capacityPending.set(false);
            listeners.capacityChanged(settings.clusterName());
          },
          settings.capacityDebounce().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  // On the worker thread: a key names a Desktop or a DesktopSnapshot.
  private boolean reconcile(String key) {
    if (key.startsWith(DesktopReconciler.KEY)) {
      return desktops.reconcile(key.substring(DesktopReconciler.KEY.length()));
    }
    if (key.startsWith(SnapshotReconciler.KEY)) {
      return snapshots.reconcile(key.substring(SnapshotReconciler.KEY.length()));
    }
    return true;
  }

  // --- DesktopRuntime

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<ClusterReport> clusters() {
    return List.of(cache.report());
  }

  @Override
  public Optional<ClusterReport> cluster(String name) {
    return settings.clusterName().equals(name) ? Optional.of(cache.report()) : Optional.empty();
  }

  /** Every node's capacity as the scheduler counts it (desktops included). */
  public List<NodeCapacity> nodeCapacity() {
    return cache.nodeCapacity();
  }

  @Override
  public boolean isReady(String cluster) {
    return settings.clusterName().equals(cluster)
        && cache.synced()
        && cache.nodes().stream().anyMatch(n -> CapacityCalculator.excludedBecause(n) == null);
  }

  @Override
  public List<DesktopStatus> inventory() {
    return desktops.inventory();
  }

  @Override
  public Admission start(DesktopSpec spec) {
    return desktopCommands.start(spec);
  }

  @Override
  public Admission stop(DesktopSpec spec) {
    return desktopCommands.stop(spec);
  }

  @Override
  public Admission delete(String cluster, String desktopId) {
    return desktopCommands.delete(cluster, desktopId);
  }

  @Override
  public Admission snapshot(SnapshotSpec spec) {
    return snapshots.snapshot(spec);
  }

  @Override
  public Admission deleteSnapshot(String cluster, String snapshotId) {
    return snapshots.deleteSnapshot(cluster, snapshotId);
  }

  @Override
  public Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    return running.display(cluster, desktopId);
  }

  /** The desktop's sound through its Service (ADR 0044); none unless desktops have sound. */
  @Override
  public Optional<DesktopAudio> audio(String cluster, String desktopId) {
    return running.audio(cluster, desktopId);
  }

  /**
   * Annotates the desktop's Pod with its watermark (ADR 0040), which the kubelet projects into the
   * container; an annotation already saying so is left alone. Needs {@code patch} on Pods, no more.
   */
  @Override
  public void watermark(String cluster, String desktopId, String text) {
    running.watermark(cluster, desktopId, text);
  }

  /**
   * Desktops' CPU and memory from metrics.k8s.io, nodes from the informer cache plus their metrics;
   * see {@link RunningDesktops#live}.
   */
  @Override
  public LiveReport live(LiveQuery query) {
    return running.live(query);
  }

  @Override
  public void addListener(RuntimeListener listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    queue.close();
    commands.shutdownNow();
    timers.shutdownNow();
    cache.stop();
    if (ownsClient) {
      client.close();
    }
  }
}
