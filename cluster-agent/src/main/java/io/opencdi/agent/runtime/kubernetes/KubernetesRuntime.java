package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceStatus;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshotStatus;
import io.opencdi.agent.runtime.kubernetes.crd.VolumeSnapshot;
import io.opencdi.protocol.AppLayer;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeUsage;
import io.opencdi.protocol.Power;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
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
 */
public final class KubernetesRuntime implements DesktopRuntime {
  /** {@link #kind()} of this runtime. */
  public static final String KIND = "kubernetes";

  /** The runtime class name meaning "the cluster's default runtime, no RuntimeClass". */
  public static final String RUNC = "runc";

  private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);
  private static final String DESKTOP_KEY = "desktop/";

  /** A requeue for a start deadline comes this late, so the deadline has surely passed. */
  private static final long DEADLINE_MARGIN_MILLIS = 50;

  private static final String SNAPSHOT_KEY = "snapshot/";
  // Events by the Pod they are about ("namespace/name"): the reconciler reads one desktop's.
  private static final String BY_POD = "involved-pod";

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final KubernetesSettings settings;
  private final DesktopResources resources;
  private final String ns;
  private final RuntimeListeners listeners = new RuntimeListeners(LOG);
  private final Map<String, DesktopStatus> lastStatus = new ConcurrentHashMap<>();
  private final Map<String, String> idsByName = new ConcurrentHashMap<>();
  // Desktops (name → uid) the agent finished deleting while the cache may still show them.
  private final Map<String, String> tombstones = new ConcurrentHashMap<>();
  // Desktops whose Pod failed, until the cache shows them powered off (worker thread only).
  private final java.util.Set<String> failing = new java.util.HashSet<>();
  private final WorkQueue queue;
  private final ExecutorService commands;
  private final ScheduledExecutorService timers;
  private final AtomicBoolean capacityPending = new AtomicBoolean();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  private SharedIndexInformer<Desktop> desktops;
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<Event> events;
  private SharedIndexInformer<PersistentVolumeClaim> claims;
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<NetworkPolicy> policies;
  private SharedIndexInformer<Node> nodes;
  private SharedIndexInformer<RuntimeClass> runtimeClasses;
  private SharedIndexInformer<StorageClass> storageClasses;
  private SharedIndexInformer<DesktopSnapshot> snapshots;
  private SharedIndexInformer<VolumeSnapshot> volumeSnapshots;
  // The last snapshot status reported per DesktopSnapshot name (gateway snapshots only).
  private final Map<String, SnapshotStatus> lastSnapshot = new ConcurrentHashMap<>();
  // Why snapshots cannot be taken in this cluster, or null when they can.
  private volatile String snapshotsUnavailable;

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
    this.resources = new DesktopResources(settings);
    this.ns = settings.namespace();
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
  }

  /**
   * Starts the informers and the reconciler and waits until every cache has its first list.
   *
   * @throws IllegalStateException when the API server cannot be listed within {@code timeout}
   */
  public KubernetesRuntime start(Duration timeout) {
    String managed = DesktopNames.MANAGED_BY + "=" + DesktopNames.MANAGER;
    desktops =
        inform(
            client.resources(Desktop.class).inNamespace(ns).runnableInformer(0),
            d -> queue.add(DESKTOP_KEY + d.getMetadata().getName()));
    pods =
        inform(
            client.pods().inAnyNamespace().runnableInformer(0),
            p -> {
              enqueueOwner(p);
              capacityChanged();
            });
    // Warning events of the desktops' Pods say what their status never shows (a sandbox the node
    // cannot create, a volume that cannot be attached). The API server could select them with
    // involvedObject.kind=Pod, but the mock server the tests run against cannot, so the handler
    // picks them.
    events =
        inform(
            client.v1().events().inNamespace(ns).runnableInformer(0),
            e -> {
              if (PodWarnings.concernsDesktop(e, ns)) {
                queue.add(DESKTOP_KEY + e.getInvolvedObject().getName());
              }
            });
    events.addIndexers(
        Map.of(
            BY_POD,
            e ->
                e.getInvolvedObject() != null && "Pod".equals(e.getInvolvedObject().getKind())
                    ? List.of(
                        e.getInvolvedObject().getNamespace()
                            + "/"
                            + e.getInvolvedObject().getName())
                    : List.of()));
    claims =
        inform(
            client
                .persistentVolumeClaims()
                .inNamespace(ns)
                .withLabelSelector(managed)
                .runnableInformer(0),
            this::enqueueOwner);
    services =
        inform(
            client.services().inNamespace(ns).withLabelSelector(managed).runnableInformer(0),
            this::enqueueOwner);
    policies =
        inform(
            client
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(ns)
                .withLabelSelector(managed)
                .runnableInformer(0),
            this::enqueueOwner);
    nodes = inform(client.nodes().runnableInformer(0), n -> capacityChanged());
    runtimeClasses =
        inform(client.resources(RuntimeClass.class).runnableInformer(0), rc -> capacityChanged());
    storageClasses =
        inform(client.storage().v1().storageClasses().runnableInformer(0), sc -> capacityChanged());
    snapshots =
        inform(
            client.resources(DesktopSnapshot.class).inNamespace(ns).runnableInformer(0),
            this::snapshotChanged);
    volumeSnapshots =
        inform(
            client
                .resources(VolumeSnapshot.class)
                .inNamespace(ns)
                .withLabelSelector(managed)
                .runnableInformer(0),
            vs -> queue.add(SNAPSHOT_KEY + vs.getMetadata().getName()));
    // The VolumeSnapshot API comes with the CSI external-snapshotter, which a cluster may lack:
    // desktops run without it, only snapshots fail.
    informers.remove(volumeSnapshots);
    CompletableFuture<?>[] started =
        informers.stream()
            .map(i -> i.start().toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(started).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException(
          "kubernetes runtime: could not list the cluster's resources within "
              + timeout
              + " from "
              + client.getMasterUrl()
              + " (namespace "
              + ns
              + "): "
              + rootMessage(e),
          e);
    }
    try {
      volumeSnapshots.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      informers.add(volumeSnapshots);
    } catch (Exception e) {
      volumeSnapshots.stop();
      snapshotsUnavailable =
          "the cluster serves no snapshot.storage.k8s.io/v1 VolumeSnapshots (install the CSI"
              + " external-snapshotter): "
              + rootMessage(e);
      LOG.warnf("desktop snapshots are unavailable: %s", snapshotsUnavailable);
    }
    queue.start();
    LOG.infof(
        "kubernetes runtime for cluster %s: %s, namespace %s, %d nodes, %d desktops",
        settings.clusterName(),
        client.getMasterUrl(),
        ns,
        nodes.getStore().list().size(),
        desktops.getStore().list().size());
    return this;
  }

  private <T extends HasMetadata> SharedIndexInformer<T> inform(
      SharedIndexInformer<T> informer, Consumer<T> onChange) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            onChange.accept(obj);
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            onChange.accept(newObj);
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            onChange.accept(obj);
          }
        });
    informers.add(informer);
    return informer;
  }

  private void enqueueOwner(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    if (ns.equals(object.getMetadata().getNamespace())
        && labels != null
        && DesktopNames.MANAGER.equals(labels.get(DesktopNames.MANAGED_BY))
        && labels.get(DesktopNames.DESKTOP_LABEL) != null) {
      queue.add(DESKTOP_KEY + labels.get(DesktopNames.DESKTOP_LABEL));
    }
  }

  private void snapshotChanged(DesktopSnapshot snapshot) {
    String name = snapshot.getMetadata().getName();
    queue.add(SNAPSHOT_KEY + name);
    // Desktops waiting to be restored from it.
    for (Desktop d : desktops.getStore().list()) {
      if (d.getSpec() != null
          && d.getSpec().home != null
          && name.equals(d.getSpec().home.restoreFrom)) {
        queue.add(DESKTOP_KEY + d.getMetadata().getName());
      }
    }
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

  // --- DesktopRuntime

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<ClusterReport> clusters() {
    return List.of(report());
  }

  @Override
  public Optional<ClusterReport> cluster(String name) {
    return settings.clusterName().equals(name) ? Optional.of(report()) : Optional.empty();
  }

  private ClusterReport report() {
    return CapacityCalculator.report(
        settings,
        nodes.getStore().list(),
        pods.getStore().list(),
        runtimeClasses.getStore().list(),
        storageClasses.getStore().list());
  }

  /** Every node's capacity as the scheduler counts it (desktops included). */
  public List<NodeCapacity> nodeCapacity() {
    return CapacityCalculator.nodes(
        nodes.getStore().list(), pods.getStore().list(), runtimeClasses.getStore().list());
  }

  @Override
  public boolean isReady(String cluster) {
    return settings.clusterName().equals(cluster)
        && informers.stream().allMatch(SharedIndexInformer::hasSynced)
        && nodes.getStore().list().stream()
            .anyMatch(n -> CapacityCalculator.excludedBecause(n) == null);
  }

  @Override
  public List<DesktopStatus> inventory() {
    List<DesktopStatus> inventory = new ArrayList<>();
    for (Desktop d : desktops.getStore().list()) {
      DesktopResourceSpec spec = d.getSpec();
      if (spec == null || spec.desktopId == null || released(d) || isTombstone(d)) {
        continue;
      }
      DesktopStatus last = lastStatus.get(spec.desktopId);
      inventory.add(last != null ? last : recorded(d));
    }
    return inventory;
  }

  // What a previous agent wrote into the status (after a restart, before the first reconcile).
  private DesktopStatus recorded(Desktop d) {
    DesktopResourceStatus status = d.getStatus();
    DesktopState state =
        d.getSpec().power == DesktopResourceSpec.Power.On
            ? DesktopState.STARTING
            : DesktopState.STOPPED;
    long at = System.currentTimeMillis();
    if (status != null && status.state != null) {
      try {
        state = DesktopState.valueOf(status.state);
      } catch (IllegalArgumentException e) {
        // an unknown state written by someone else: keep the one the power implies
      }
      if (status.lastTransitionTime != null) {
        at = Instant.parse(status.lastTransitionTime).toEpochMilli();
      }
    }
    return new DesktopStatus(
        d.getSpec().desktopId,
        settings.clusterName(),
        status != null && status.node != null ? status.node : d.getSpec().node,
        state,
        status == null ? null : status.reason,
        at);
  }

  @Override
  public Admission start(DesktopSpec spec) {
    Admission admission = admitStart(spec);
    if (!admission.accepted()) {
      return admission;
    }
    String name = DesktopNames.desktop(spec.id());
    Desktop existing = desktop(name);
    if (existing != null && existing.getMetadata().getDeletionTimestamp() != null) {
      return Admission.refuse(Refusals.beingDeleted(spec.id()));
    }
    if (existing == null
        && spec.restoreFrom() != null
        && snapshots.getStore().getByKey(ns + "/" + DesktopNames.snapshot(spec.restoreFrom()))
            == null) {
      return Admission.refuse(
          "cluster " + settings.clusterName() + " has no snapshot " + spec.restoreFrom());
    }
    String arch = archOf(spec.node());
    DesktopStatus last = lastStatus.get(spec.id());
    if (existing != null
        && existing.getSpec().power == DesktopResourceSpec.Power.On
        && last != null
        && last.state() != DesktopState.FAILED) {
      emit(last); // STARTING, RUNNING, or STOPPING of a power cycle: nothing to change
      return Admission.accept();
    }
    commands.execute(() -> write(spec, Power.ON, arch, existing != null));
    return Admission.accept();
  }

  @Override
  public Admission stop(DesktopSpec spec) {
    Admission admission = admitCommon(spec);
    if (!admission.accepted()) {
      return admission;
    }
    String name = DesktopNames.desktop(spec.id());
    Desktop existing = desktop(name);
    if (existing != null && existing.getMetadata().getDeletionTimestamp() != null) {
      return Admission.refuse(Refusals.beingDeleted(spec.id()));
    }
    String arch = archOf(spec.node());
    if (existing == null) {
      // Known to the gateway, not here (e.g. a new cluster): its volume is made, nothing runs.
      commands.execute(() -> write(spec, Power.OFF, arch, false));
      return Admission.accept();
    }
    if (existing.getSpec().power == DesktopResourceSpec.Power.On) {
      commands.execute(() -> patchPower(existing, DesktopResourceSpec.Power.Off));
      return Admission.accept();
    }
    DesktopStatus last = lastStatus.get(spec.id());
    if (last != null && last.state() == DesktopState.FAILED) {
      // A failed desktop is already off: STOP acknowledges that it is stopped.
      commands.execute(
          () -> {
            Observed stopped = new Observed(DesktopState.STOPPED, last.node(), null);
            writeStatus(existing, stopped);
            report(existing, stopped);
          });
      return Admission.accept();
    }
    if (last != null) {
      emit(last);
    }
    return Admission.accept();
  }

  @Override
  public Admission delete(String cluster, String desktopId) {
    Optional<String> invalid = DesktopNames.invalidId(desktopId);
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(unknownCluster(cluster));
    }
    String name = DesktopNames.desktop(desktopId);
    Desktop existing = desktop(name);
    if (existing == null) {
      DesktopStatus last = lastStatus.remove(desktopId);
      emit(
          new DesktopStatus(
              desktopId,
              cluster,
              last == null ? null : last.node(),
              DesktopState.DELETED,
              null,
              System.currentTimeMillis()));
      return Admission.accept();
    }
    if (existing.getMetadata().getDeletionTimestamp() != null) {
      return Admission.accept();
    }
    commands.execute(
        () -> {
          try {
            // The finalizer keeps the Desktop until the reconciler has removed the Pod, then
            // the volume.
            client.resources(Desktop.class).inNamespace(ns).withName(name).delete();
          } catch (KubernetesClientException e) {
            LOG.warnf("could not delete Desktop %s: %s", name, e.getMessage());
            queue.addAfter(DESKTOP_KEY + name, Duration.ofSeconds(1));
          }
        });
    return Admission.accept();
  }

  @Override
  public Admission snapshot(SnapshotSpec spec) {
    if (spec == null) {
      return Admission.refuse("snapshot is missing");
    }
    Optional<String> invalid =
        DesktopNames.invalidId(spec.id()).or(() -> DesktopNames.invalidId(spec.desktopId()));
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(spec.cluster())) {
      return Admission.refuse(unknownCluster(spec.cluster()));
    }
    String name = DesktopNames.snapshot(spec.id());
    if (snapshots.getStore().getByKey(ns + "/" + name) != null) {
      SnapshotStatus last = lastSnapshot.get(name);
      if (last != null) {
        emitSnapshot(last);
      }
      return Admission.accept();
    }
    Desktop desktop = desktop(DesktopNames.desktop(spec.desktopId()));
    if (desktop == null) {
      return Admission.refuse(
          "cluster " + settings.clusterName() + " has no desktop " + spec.desktopId());
    }
    if (desktop.getMetadata().getDeletionTimestamp() != null) {
      return Admission.refuse(Refusals.beingDeleted(spec.desktopId()));
    }
    commands.execute(
        () -> {
          try {
            createIfAbsent(resources.desktopSnapshot(spec));
          } catch (KubernetesClientException e) {
            LOG.warnf("could not create DesktopSnapshot %s: %s", name, e.getMessage());
            emitSnapshot(
                snapshotStatus(
                    spec.id(),
                    spec.desktopId(),
                    SnapshotState.FAILED,
                    null,
                    "could not create DesktopSnapshot " + name + ": " + e.getMessage()));
          }
        });
    return Admission.accept();
  }

  @Override
  public Admission deleteSnapshot(String cluster, String snapshotId) {
    Optional<String> invalid = DesktopNames.invalidId(snapshotId);
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(unknownCluster(cluster));
    }
    String name = DesktopNames.snapshot(snapshotId);
    if (snapshots.getStore().getByKey(ns + "/" + name) == null) {
      lastSnapshot.remove(name);
      emitSnapshot(snapshotStatus(snapshotId, null, SnapshotState.DELETED, null, null));
      return Admission.accept();
    }
    commands.execute(
        () -> {
          try {
            // Its VolumeSnapshot is owned by it and garbage-collected with it.
            client.resources(DesktopSnapshot.class).inNamespace(ns).withName(name).delete();
          } catch (KubernetesClientException e) {
            LOG.warnf("could not delete DesktopSnapshot %s: %s", name, e.getMessage());
            emitSnapshot(
                snapshotStatus(
                    snapshotId,
                    null,
                    SnapshotState.FAILED,
                    null,
                    "could not delete DesktopSnapshot " + name + ": " + e.getMessage()));
          }
        });
    return Admission.accept();
  }

  @Override
  public Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    if (!settings.clusterName().equals(cluster) || desktopId == null) {
      return Optional.empty();
    }
    DesktopStatus last = lastStatus.get(desktopId);
    if (last == null || last.state() != DesktopState.RUNNING) {
      return Optional.empty();
    }
    String name = DesktopNames.desktop(desktopId);
    Service service = services.getStore().getByKey(ns + "/" + name);
    if (service == null || service.getSpec() == null || service.getSpec().getPorts().isEmpty()) {
      return Optional.empty();
    }
    String ip = service.getSpec().getClusterIP();
    String host = ip != null && !ip.isBlank() && !"None".equals(ip) ? ip : name + "." + ns + ".svc";
    return Optional.of(new DisplayEndpoint(host, service.getSpec().getPorts().get(0).getPort()));
  }

  /**
   * Annotates the desktop's Pod with its watermark (ADR 0040), which the kubelet projects into the
   * container; an annotation already saying so is left alone. Needs {@code patch} on Pods, no more.
   */
  @Override
  public void watermark(String cluster, String desktopId, String text) {
    if (!settings.clusterName().equals(cluster)
        || desktopId == null
        || DesktopNames.invalidId(desktopId).isPresent()) {
      return;
    }
    String name = DesktopNames.desktop(desktopId);
    Pod pod = pods.getStore().getByKey(ns + "/" + name);
    if (pod == null) {
      return;
    }
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String wanted = text == null ? "" : text;
    String current =
        annotations == null ? null : annotations.get(DesktopResources.WATERMARK_ANNOTATION);
    if (wanted.equals(current == null ? "" : current)) {
      return;
    }
    // A JSON Patch of the one annotation, or of all annotations when the Pod has none (a merge
    // patch would do as well). An empty value is an empty file: no watermark.
    Object change =
        annotations == null
            ? Map.of(
                "op",
                "add",
                "path",
                "/metadata/annotations",
                "value",
                Map.of(DesktopResources.WATERMARK_ANNOTATION, wanted))
            : Map.of(
                "op",
                "add",
                "path",
                "/metadata/annotations/"
                    + DesktopResources.WATERMARK_ANNOTATION.replace("~", "~0").replace("/", "~1"),
                "value",
                wanted);
    // Named by the informer's copy: fabric8 reads a Pod named only by its name first.
    client
        .pods()
        .inNamespace(ns)
        .resource(pod)
        .patch(
            PatchContext.of(PatchType.JSON),
            client.getKubernetesSerialization().asJson(List.of(change)));
  }

  /**
   * Desktops' CPU and memory from metrics.k8s.io (what {@code kubectl top} reads: one list call for
   * the desktop Pods of the namespace), nodes from the informer cache plus their metrics. No
   * process lists: reading them would need {@code pods/exec} into users' desktops (ADR 0012).
   * Without a metrics server the node list still comes back, without use figures, and the report
   * says why the desktops' use is missing.
   */
  @Override
  public LiveReport live(LiveQuery query) {
    if (!settings.clusterName().equals(query.cluster())) {
      return LiveReport.failed(
          query,
          "unknown cluster " + query.cluster() + "; this agent serves " + settings.clusterName());
    }
    long now = System.currentTimeMillis();
    List<DesktopUsage> usage = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    List<String> running =
        query.desktopIds().stream()
            .filter(
                id -> {
                  DesktopStatus last = lastStatus.get(id);
                  return last != null && last.state() == DesktopState.RUNNING;
                })
            .toList();
    if (!running.isEmpty()) {
      try {
        Map<String, PodMetrics> byName = new java.util.HashMap<>();
        for (PodMetrics m :
            client
                .top()
                .pods()
                .inNamespace(ns)
                .withLabels(
                    Map.of(
                        DesktopNames.MANAGED_BY,
                        DesktopNames.MANAGER,
                        DesktopNames.COMPONENT,
                        "desktop"))
                .metrics()
                .getItems()) {
          byName.put(m.getMetadata().getName(), m);
        }
        for (String id : running) {
          PodMetrics m = byName.get(DesktopNames.desktop(id));
          if (m != null) {
            usage.add(LiveMetrics.desktop(id, m, now));
          }
        }
      } catch (KubernetesClientException e) {
        errors.add("pod metrics unavailable (is metrics-server installed?): " + e.getMessage());
      }
    }
    List<NodeUsage> nodeList = new ArrayList<>();
    if (query.nodes()) {
      Map<String, NodeMetrics> metrics = new java.util.HashMap<>();
      try {
        for (NodeMetrics m : client.top().nodes().metrics().getItems()) {
          metrics.put(m.getMetadata().getName(), m);
        }
      } catch (KubernetesClientException e) {
        LOG.debugf("node metrics unavailable: %s", e.getMessage());
      }
      for (NodeCapacity node : nodeCapacity()) {
        nodeList.add(LiveMetrics.node(node, metrics.get(node.name())));
      }
    }
    return new LiveReport(
        query.queryId(),
        query.cluster(),
        usage,
        nodeList,
        errors.isEmpty() ? null : String.join("; ", errors));
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
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.stop();
      } catch (RuntimeException e) {
        LOG.debug("stopping an informer failed", e);
      }
    }
    if (ownsClient) {
      client.close();
    }
  }

  // --- admission

  private Admission admitCommon(DesktopSpec spec) {
    if (spec == null) {
      return Admission.refuse("desktop id is missing");
    }
    Optional<String> invalid = DesktopNames.invalidId(spec.id());
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(spec.cluster())) {
      return Admission.refuse(unknownCluster(spec.cluster()));
    }
    return Admission.accept();
  }

  private Admission admitStart(DesktopSpec spec) {
    Admission common = admitCommon(spec);
    if (!common.accepted()) {
      return common;
    }
    String cluster = settings.clusterName();
    if (spec.node() == null || spec.node().isBlank()) {
      return Admission.refuse(Refusals.namesNoNode(spec.id()));
    }
    Node node = node(spec.node());
    if (node == null) {
      return Admission.refuse(Refusals.noSuchNode(cluster, spec.node()));
    }
    if (spec.image() == null || spec.image().isBlank()) {
      return Admission.refuse("desktop " + spec.id() + " names no image");
    }
    for (AppLayer layer : spec.layers()) {
      Optional<String> invalidLayer = LayerMounts.invalid(layer);
      if (invalidLayer.isPresent()) {
        return Admission.refuse("desktop " + spec.id() + ": " + invalidLayer.get());
      }
    }
    ClusterReport report = report();
    String runtimeClass = spec.runtimeClass();
    if (runtimeClass != null
        && !runtimeClass.isBlank()
        && !report.runtimeClasses().contains(runtimeClass)) {
      return Admission.refuse(
          Refusals.noRuntimeClass(cluster, runtimeClass, report.runtimeClasses()));
    }
    String storageClass =
        spec.storageClass() == null || spec.storageClass().isBlank()
            ? settings.storageClass()
            : spec.storageClass();
    if (!report.storageClasses().contains(storageClass)) {
      return Admission.refuse(
          Refusals.noStorageClass(cluster, storageClass, report.storageClasses()));
    }
    if (spec.cpuMillis() < 1 || spec.memoryMiB() < 1) {
      return Admission.refuse("desktop " + spec.id() + " must ask for some CPU and memory");
    }
    for (NodeCapacity capacity : nodeCapacity()) {
      if (capacity.name().equals(spec.node())
          && (spec.cpuMillis() > capacity.allocatableCpuMillis()
              || spec.memoryMiB() > capacity.allocatableMemoryMiB())) {
        return Admission.refuse(
            Refusals.neverFits(
                spec.id(),
                spec.node(),
                spec.cpuMillis(),
                spec.memoryMiB(),
                capacity.allocatableCpuMillis(),
                capacity.allocatableMemoryMiB()));
      }
    }
    return Admission.accept();
  }

  private String unknownCluster(String name) {
    return "unknown cluster " + name + "; this agent serves " + settings.clusterName();
  }

  // --- commands (on the command thread)

  private void write(DesktopSpec spec, Power power, String arch, boolean exists) {
    String name = DesktopNames.desktop(spec.id());
    try {
      if (!exists) {
        try {
          client
              .resources(Desktop.class)
              .inNamespace(ns)
              .resource(resources.desktop(spec, power, arch))
              .create();
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
        }
      }
      Map<String, Object> patch = Map.of("spec", resources.spec(spec, power, arch));
      client
          .resources(Desktop.class)
          .inNamespace(ns)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              client.getKubernetesSerialization().asJson(patch));
    } catch (KubernetesClientException e) {
      LOG.warnf("could not write Desktop %s: %s", name, e.getMessage());
      report(
          spec.id(),
          spec.node(),
          new Observed(
              DesktopState.FAILED,
              spec.node(),
              "could not write Desktop " + name + ": " + e.getMessage()));
    }
  }

  private void patchPower(Desktop desktop, DesktopResourceSpec.Power power) {
    String name = desktop.getMetadata().getName();
    try {
      client
          .resources(Desktop.class)
          .inNamespace(ns)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              client
                  .getKubernetesSerialization()
                  .asJson(Map.of("spec", Map.of("power", power.name()))));
    } catch (KubernetesClientException e) {
      LOG.warnf("could not set power %s on Desktop %s: %s", power, name, e.getMessage());
      queue.addAfter(DESKTOP_KEY + name, Duration.ofSeconds(1));
    }
  }

  // --- reconciling (on the worker thread)

  private boolean reconcile(String key) {
    if (key.startsWith(DESKTOP_KEY)) {
      return reconcileDesktop(key.substring(DESKTOP_KEY.length()));
    }
    if (key.startsWith(SNAPSHOT_KEY)) {
      return reconcileSnapshot(key.substring(SNAPSHOT_KEY.length()));
    }
    return true;
  }

  private boolean reconcileDesktop(String name) {
    Desktop d = desktop(name);
    if (d == null) {
      tombstones.remove(name);
    }
    if (d == null || released(d)) {
      forget(name);
      return true;
    }
    if (isTombstone(d)) {
      return true; // torn down already; the cache has not seen the object go yet
    }
    DesktopResourceSpec spec = d.getSpec();
    if (spec == null || spec.desktopId == null) {
      return true; // not a desktop the agent can run; the CRD schema normally prevents this
    }
    idsByName.put(name, spec.desktopId);
    if (d.getMetadata().getDeletionTimestamp() != null) {
      return teardown(d);
    }
    if (d.getMetadata().getFinalizers() == null
        || !d.getMetadata().getFinalizers().contains(DesktopNames.FINALIZER)) {
      // A Desktop applied by hand: the agent must still get to delete the volume last.
      List<String> finalizers = new ArrayList<>();
      if (d.getMetadata().getFinalizers() != null) {
        finalizers.addAll(d.getMetadata().getFinalizers());
      }
      finalizers.add(DesktopNames.FINALIZER);
      setFinalizers(name, finalizers);
    }

    String claimName = DesktopResources.homeClaimName(d);
    if (claims.getStore().getByKey(ns + "/" + claimName) == null) {
      String restoreFrom = null;
      if (spec.home != null && spec.home.restoreFrom != null) {
        DesktopSnapshot snapshot = snapshots.getStore().getByKey(ns + "/" + spec.home.restoreFrom);
        if (snapshot == null
            || snapshot.getStatus() == null
            || !"Ready".equals(snapshot.getStatus().state)) {
          Observed waiting =
              new Observed(
                  spec.power == DesktopResourceSpec.Power.On
                      ? DesktopState.STARTING
                      : DesktopState.STOPPED,
                  spec.node,
                  "waiting for snapshot " + spec.home.restoreFrom + " to be ready");
          writeStatus(d, waiting);
          report(d, waiting);
          return true; // the snapshot's events requeue this desktop
        }
        restoreFrom = snapshot.getStatus().volumeSnapshotName;
      }
      createIfAbsent(resources.homeClaim(d, restoreFrom));
    }
    if (services.getStore().getByKey(ns + "/" + name) == null) {
      createIfAbsent(resources.service(d));
    }
    if (policies.getStore().getByKey(ns + "/" + DesktopNames.networkPolicy(name)) == null) {
      createIfAbsent(resources.networkPolicy(d));
    }

    Pod pod = pods.getStore().getByKey(ns + "/" + name);
    boolean on = spec.power == DesktopResourceSpec.Power.On;
    if (!on) {
      failing.remove(name);
    } else if (failing.contains(name)) {
      // Failed, and our power-off has not reached the cache yet: start no new Pod meanwhile.
      return true;
    }
    if (on && pod == null) {
      createIfAbsent(resources.pod(d));
    } else if (!on && pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
      deletePod(name);
    }
    Instant now = Instant.now();
    Observed observed =
        DesktopStateMapper.observe(
            d,
            pod,
            pod == null ? List.of() : events.getIndexer().byIndex(BY_POD, ns + "/" + name),
            settings.startFailureAfter(),
            settings.startDeadline(),
            now);
    if (observed.failed() && on) {
      // The Pod would hold the node's capacity while it cannot run: remove it (the volume
      // stays) and power the desktop off, so the next start is a real change.
      failing.add(name);
      writeStatus(d, observed);
      report(d, observed);
      patchPower(d, DesktopResourceSpec.Power.Off);
      if (pod != null) {
        deletePod(name);
      }
      return true;
    }
    writeStatus(d, observed);
    report(d, observed);
    Instant deadline = DesktopStateMapper.startDeadline(pod, settings.startDeadline());
    if (observed.state() == DesktopState.STARTING && deadline != null) {
      // Nothing may ever change while a start hangs: look again when its deadline has passed.
      queue.addAfter(
          DESKTOP_KEY + name, Duration.between(now, deadline).plusMillis(DEADLINE_MARGIN_MILLIS));
    }
    return true;
  }

  private boolean teardown(Desktop d) {
    String name = d.getMetadata().getName();
    Pod pod = pods.getStore().getByKey(ns + "/" + name);
    if (pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
      deletePod(name);
    }
    if (services.getStore().getByKey(ns + "/" + name) != null) {
      client.services().inNamespace(ns).withName(name).delete();
    }
    String policy = DesktopNames.networkPolicy(name);
    if (policies.getStore().getByKey(ns + "/" + policy) != null) {
      client.network().v1().networkPolicies().inNamespace(ns).withName(policy).delete();
    }
    if (pod != null) {
      return true; // the volume goes once the Pod is gone (its delete event requeues)
    }
    String claim = DesktopResources.homeClaimName(d);
    if (claims.getStore().getByKey(ns + "/" + claim) != null) {
      client.persistentVolumeClaims().inNamespace(ns).withName(claim).delete();
      return true;
    }
    List<String> finalizers = new ArrayList<>(d.getMetadata().getFinalizers());
    if (finalizers.remove(DesktopNames.FINALIZER)) {
      setFinalizers(name, finalizers);
    }
    // Nothing of the desktop is left: it is deleted, whenever the API server drops the object.
    tombstones.put(name, d.getMetadata().getUid());
    forget(name);
    return true;
  }

  private boolean isTombstone(Desktop d) {
    String uid = tombstones.get(d.getMetadata().getName());
    return uid != null && uid.equals(d.getMetadata().getUid());
  }

  // Deleted and released by the agent: only other finalizers (or none) hold the object.
  private static boolean released(Desktop d) {
    return d.getMetadata().getDeletionTimestamp() != null
        && (d.getMetadata().getFinalizers() == null
            || !d.getMetadata().getFinalizers().contains(DesktopNames.FINALIZER));
  }

  private void forget(String name) {
    String id = idsByName.remove(name);
    DesktopStatus last = id == null ? null : lastStatus.remove(id);
    if (last != null) {
      emit(
          new DesktopStatus(
              id,
              settings.clusterName(),
              last.node(),
              DesktopState.DELETED,
              null,
              System.currentTimeMillis()));
    }
  }

  private void deletePod(String name) {
    client.pods().inNamespace(ns).withName(name).delete();
  }

  // JSON Patch, not a merge patch: a list must be replaced whole.
  private void setFinalizers(String name, List<String> finalizers) {
    jsonPatch(name, null, "/metadata/finalizers", finalizers);
  }

  private void jsonPatch(String name, String subresource, String path, Object value) {
    var resource = client.resources(Desktop.class).inNamespace(ns).withName(name);
    String patch =
        client
            .getKubernetesSerialization()
            .asJson(List.of(Map.of("op", "add", "path", path, "value", value)));
    if (subresource == null) {
      resource.patch(PatchContext.of(PatchType.JSON), patch);
    } else {
      resource.subresource(subresource).patch(PatchContext.of(PatchType.JSON), patch);
    }
  }

  private void createIfAbsent(HasMetadata object) {
    try {
      client.resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void writeStatus(Desktop d, Observed observed) {
    DesktopResourceStatus old = d.getStatus();
    String claim = DesktopResources.homeClaimName(d);
    if (old != null
        && Objects.equals(old.state, observed.state().name())
        && Objects.equals(old.node, observed.node())
        && Objects.equals(old.reason, observed.reason())
        && Objects.equals(old.homeClaim, claim)) {
      return;
    }
    DesktopResourceStatus status = new DesktopResourceStatus();
    status.state = observed.state().name();
    status.node = observed.node();
    status.reason = observed.reason();
    status.homeClaim = claim;
    boolean changed = old == null || !Objects.equals(old.state, status.state);
    status.lastTransitionTime =
        changed || old.lastTransitionTime == null
            ? Instant.now().toString()
            : old.lastTransitionTime;
    boolean ready = observed.state() == DesktopState.RUNNING;
    Condition readyCondition =
        new ConditionBuilder()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .withReason(camel(observed.state()))
            .withMessage(observed.reason() == null ? "" : observed.reason())
            .withLastTransitionTime(status.lastTransitionTime)
            .withObservedGeneration(d.getMetadata().getGeneration())
            .build();
    status.conditions = List.of(readyCondition);
    try {
      jsonPatch(d.getMetadata().getName(), "status", "/status", status);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static String camel(DesktopState state) {
    String s = state.name().toLowerCase(java.util.Locale.ROOT);
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private void report(Desktop d, Observed observed) {
    report(d.getSpec().desktopId, d.getSpec().node, observed);
  }

  private void report(String desktopId, String placedNode, Observed observed) {
    DesktopStatus last = lastStatus.get(desktopId);
    if (last != null
        && last.state() == observed.state()
        && Objects.equals(last.node(), observed.node())
        && Objects.equals(last.reason(), observed.reason())) {
      return;
    }
    DesktopStatus status =
        new DesktopStatus(
            desktopId,
            settings.clusterName(),
            observed.node() != null ? observed.node() : placedNode,
            observed.state(),
            observed.reason(),
            System.currentTimeMillis());
    lastStatus.put(desktopId, status);
    emit(status);
  }

  private void emit(DesktopStatus status) {
    listeners.statusChanged(status);
  }

  // --- snapshots

  private boolean reconcileSnapshot(String name) {
    DesktopSnapshot snapshot = snapshots.getStore().getByKey(ns + "/" + name);
    if (snapshot == null || snapshot.getSpec() == null) {
      SnapshotStatus last = lastSnapshot.remove(name);
      if (last != null) {
        emitSnapshot(
            snapshotStatus(last.snapshotId(), last.desktopId(), SnapshotState.DELETED, null, null));
      }
      return true; // the VolumeSnapshot it owned is garbage-collected with it
    }
    DesktopSnapshotStatus status = new DesktopSnapshotStatus();
    status.volumeSnapshotName = name;
    VolumeSnapshot vs = volumeSnapshots.getStore().getByKey(ns + "/" + name);
    Desktop desktop = desktop(snapshot.getSpec().desktopName);
    if (vs == null) {
      if (snapshotsUnavailable != null) {
        status.state = "Failed";
        status.reason = snapshotsUnavailable;
        status.volumeSnapshotName = null;
      } else if (desktop == null) {
        status.state = "Failed";
        status.reason = "desktop " + snapshot.getSpec().desktopName + " does not exist";
        status.volumeSnapshotName = null;
      } else {
        createIfAbsent(resources.volumeSnapshot(snapshot, DesktopResources.homeClaimName(desktop)));
        status.state = "Pending";
      }
    } else if (vs.getStatus() != null && vs.getStatus().error != null) {
      status.state = "Failed";
      status.reason = vs.getStatus().error.message;
    } else if (vs.getStatus() != null && Boolean.TRUE.equals(vs.getStatus().readyToUse)) {
      status.state = "Ready";
      status.restoreSize = vs.getStatus().restoreSize;
    } else {
      status.state = "Pending";
    }
    DesktopSnapshotStatus old = snapshot.getStatus();
    if (old == null
        || !Objects.equals(old.state, status.state)
        || !Objects.equals(old.reason, status.reason)
        || !Objects.equals(old.restoreSize, status.restoreSize)
        || !Objects.equals(old.volumeSnapshotName, status.volumeSnapshotName)) {
      DesktopSnapshot patch = new DesktopSnapshot();
      patch.getMetadata().setName(name);
      patch.getMetadata().setNamespace(ns);
      patch.setStatus(status);
      client.resources(DesktopSnapshot.class).inNamespace(ns).resource(patch).patchStatus();
    }
    reportSnapshot(snapshot, status);
    return true;
  }

  /** Tells the gateway about a snapshot it asked for, once per change. */
  private void reportSnapshot(DesktopSnapshot snapshot, DesktopSnapshotStatus status) {
    Map<String, String> annotations = snapshot.getMetadata().getAnnotations();
    String snapshotId =
        annotations == null ? null : annotations.get(DesktopNames.SNAPSHOT_ID_ANNOTATION);
    if (snapshotId == null) {
      return; // made by hand, not by the gateway
    }
    SnapshotState state =
        switch (status.state) {
          case "Ready" -> SnapshotState.READY;
          case "Failed" -> SnapshotState.FAILED;
          default -> SnapshotState.PENDING;
        };
    Long size = null;
    if (state == SnapshotState.READY && status.restoreSize != null) {
      try {
        size = Quantity.getAmountInBytes(new Quantity(status.restoreSize)).longValueExact();
      } catch (RuntimeException e) {
        LOG.debugf("unreadable restoreSize %s: %s", status.restoreSize, e.getMessage());
      }
    }
    String name = snapshot.getMetadata().getName();
    SnapshotStatus last = lastSnapshot.get(name);
    if (last != null
        && last.state() == state
        && Objects.equals(last.sizeBytes(), size)
        && Objects.equals(last.reason(), status.reason)) {
      return;
    }
    SnapshotStatus report =
        snapshotStatus(
            snapshotId,
            annotations.get(DesktopNames.DESKTOP_ID_ANNOTATION),
            state,
            size,
            status.reason);
    lastSnapshot.put(name, report);
    emitSnapshot(report);
  }

  private SnapshotStatus snapshotStatus(
      String snapshotId, String desktopId, SnapshotState state, Long size, String reason) {
    return new SnapshotStatus(
        snapshotId,
        desktopId,
        settings.clusterName(),
        state,
        size,
        reason,
        System.currentTimeMillis());
  }

  private void emitSnapshot(SnapshotStatus status) {
    listeners.snapshotChanged(status);
  }

  // --- caches

  private Desktop desktop(String name) {
    return desktops.getStore().getByKey(ns + "/" + name);
  }

  private Node node(String name) {
    return name == null ? null : nodes.getStore().getByKey(name);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private String archOf(String nodeName) {
    Node node = node(nodeName);
    return node == null
        ? null
        : CapacityCalculator.label(node, CapacityCalculator.ARCH_LABEL).orElse(null);
  }
}
