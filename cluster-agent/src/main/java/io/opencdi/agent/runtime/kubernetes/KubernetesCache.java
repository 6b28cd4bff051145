package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.agent.runtime.kubernetes.crd.VolumeSnapshot;
import io.opencdi.protocol.ClusterReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The informers that are the runtime's only view of the cluster (nothing polls): they are started
 * and synced here, their changes are told to {@link Changes} as the desktop, snapshot or capacity
 * they concern, and everything else reads the cluster through the lookups here. Keeping the
 * informers in one place lets the reconcilers read the cluster without knowing how it is watched.
 */
final class KubernetesCache {
  // Logs under the runtime's category, as before the caches had a class of their own.
  private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

  // Events by the Pod they are about ("namespace/name"): the reconciler reads one desktop's.
  private static final String BY_POD = "involved-pod";

  /** What the informers' changes concern; called on the informers' threads, so only enqueue. */
  interface Changes {
    void desktopChanged(String name);

    void snapshotChanged(String name);

    void capacityChanged();
  }

  private final KubernetesClient client;
  private final KubernetesSettings settings;
  private final String ns;
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
  // Why snapshots cannot be taken in this cluster, or null when they can.
  private volatile String snapshotsUnavailable;

  KubernetesCache(KubernetesClient client, KubernetesSettings settings) {
    this.client = client;
    this.settings = settings;
    this.ns = settings.namespace();
  }

  /**
   * Starts the informers and waits until every cache has its first list.
   *
   * @throws IllegalStateException when the API server cannot be listed within {@code timeout}
   */
  void start(Duration timeout, Changes changes) {
    String managed = DesktopNames.MANAGED_BY + "=" + DesktopNames.MANAGER;
    Consumer<HasMetadata> owner = object -> enqueueOwner(object, changes);
    desktops =
        inform(
            client.resources(Desktop.class).inNamespace(ns).runnableInformer(0),
            d -> changes.desktopChanged(d.getMetadata().getName()));
    pods =
        inform(
            client.pods().inAnyNamespace().runnableInformer(0),
            p -> {
              owner.accept(p);
              changes.capacityChanged();
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
                changes.desktopChanged(e.getInvolvedObject().getName());
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
            owner::accept);
    services =
        inform(
            client.services().inNamespace(ns).withLabelSelector(managed).runnableInformer(0),
            owner::accept);
    policies =
        inform(
            client
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(ns)
                .withLabelSelector(managed)
                .runnableInformer(0),
            owner::accept);
    nodes = inform(client.nodes().runnableInformer(0), n -> changes.capacityChanged());
    runtimeClasses =
        inform(
            client.resources(RuntimeClass.class).runnableInformer(0),
            rc -> changes.capacityChanged());
    storageClasses =
        inform(
            client.storage().v1().storageClasses().runnableInformer(0),
            sc -> changes.capacityChanged());
    snapshots =
        inform(
            client.resources(DesktopSnapshot.class).inNamespace(ns).runnableInformer(0),
            s -> snapshotChanged(s, changes));
    volumeSnapshots =
        inform(
            client
                .resources(VolumeSnapshot.class)
                .inNamespace(ns)
                .withLabelSelector(managed)
                .runnableInformer(0),
            vs -> changes.snapshotChanged(vs.getMetadata().getName()));
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

  private void enqueueOwner(HasMetadata object, Changes changes) {
    Map<String, String> labels = object.getMetadata().getLabels();
    if (ns.equals(object.getMetadata().getNamespace())
        && labels != null
        && DesktopNames.MANAGER.equals(labels.get(DesktopNames.MANAGED_BY))
        && labels.get(DesktopNames.DESKTOP_LABEL) != null) {
      changes.desktopChanged(labels.get(DesktopNames.DESKTOP_LABEL));
    }
  }

  private void snapshotChanged(DesktopSnapshot snapshot, Changes changes) {
    String name = snapshot.getMetadata().getName();
    changes.snapshotChanged(name);
    // Desktops waiting to be restored from it.
    for (Desktop d : desktops.getStore().list()) {
      if (d.getSpec() != null
          && d.getSpec().home != null
          && name.equals(d.getSpec().home.restoreFrom)) {
        changes.desktopChanged(d.getMetadata().getName());
      }
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  /** Stops every informer; one that fails to stop keeps none of the others from stopping. */
  void stop() {
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.stop();
      } catch (RuntimeException e) {
        LOG.debug("stopping an informer failed", e);
      }
    }
  }

  /** Whether every started informer has its first list. */
  boolean synced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  String masterUrl() {
    return String.valueOf(client.getMasterUrl());
  }

  /** Why snapshots cannot be taken in this cluster, or null when they can. */
  String snapshotsUnavailable() {
    return snapshotsUnavailable;
  }

  // --- capacity

  ClusterReport report() {
    return CapacityCalculator.report(
        settings,
        nodes.getStore().list(),
        pods.getStore().list(),
        runtimeClasses.getStore().list(),
        storageClasses.getStore().list());
  }

  List<NodeCapacity> nodeCapacity() {
    return CapacityCalculator.nodes(
        nodes.getStore().list(), pods.getStore().list(), runtimeClasses.getStore().list());
  }

  /** The architecture label of a node, or null for an unknown node or one without the label. */
  String archOf(String nodeName) {
    Node node = node(nodeName);
    return node == null
        ? null
        : CapacityCalculator.label(node, CapacityCalculator.ARCH_LABEL).orElse(null);
  }

  // --- lookups (by name in the desktops' namespace; nodes have none)

  Desktop desktop(String name) {
    return desktops.getStore().getByKey(ns + "/" + name);
  }

  List<Desktop> desktops() {
    return desktops.getStore().list();
  }

  Pod pod(String name) {
    return pods.getStore().getByKey(ns + "/" + name);
  }

  /** The events about the namespace's Pod {@code podName}. */
  List<Event> podEvents(String podName) {
    return events.getIndexer().byIndex(BY_POD, ns + "/" + podName);
  }

  PersistentVolumeClaim claim(String name) {
    return claims.getStore().getByKey(ns + "/" + name);
  }

  Service service(String name) {
    return services.getStore().getByKey(ns + "/" + name);
  }

  NetworkPolicy networkPolicy(String name) {
    return policies.getStore().getByKey(ns + "/" + name);
  }

  Node node(String name) {
    return name == null ? null : nodes.getStore().getByKey(name);
  }

  List<Node> nodes() {
    return nodes.getStore().list();
  }

  DesktopSnapshot snapshot(String name) {
    return snapshots.getStore().getByKey(ns + "/" + name);
  }

  VolumeSnapshot volumeSnapshot(String name) {
    return volumeSnapshots.getStore().getByKey(ns + "/" + name);
  }
}
