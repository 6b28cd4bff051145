package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.protocol.AppLayer;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * The gateway's desktop commands (start, stop, delete): whether each is taken, and the change to
 * the Desktop resource that carries it out. A command is decided at once from the caches and its
 * write runs on the command thread, so the gateway never waits for the API server; the reconciler
 * does the rest when the change reaches the cache.
 */
final class DesktopCommands {
  // Logs under the runtime's category, as before the commands had a class of their own.
  private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

  private final KubernetesSettings settings;
  private final KubernetesCache cache;
  private final KubernetesApi api;
  private final DesktopResources resources;
  private final DesktopStatuses statuses;
  private final WorkQueue queue;
  private final Executor writes;

  /**
   * @param writes the command thread: runs the writes in the order the commands came
   */
  DesktopCommands(
      KubernetesSettings settings,
      KubernetesCache cache,
      KubernetesApi api,
      DesktopResources resources,
      DesktopStatuses statuses,
      WorkQueue queue,
      Executor writes) {
    this.settings = settings;
    this.cache = cache;
    this.api = api;
    this.resources = resources;
    this.statuses = statuses;
    this.queue = queue;
    this.writes = writes;
  }

  Admission start(DesktopSpec spec) {
    Admission admission = admitStart(spec);
    if (!admission.accepted()) {
      return admission;
    }
    Desktop existing = cache.desktop(DesktopNames.desktop(spec.id()));
    if (deleting(existing)) {
      return Admission.refuse(Refusals.beingDeleted(spec.id()));
    }
    if (existing == null
        && spec.restoreFrom() != null
        && cache.snapshot(DesktopNames.snapshot(spec.restoreFrom())) == null) {
      return Admission.refuse(
          "cluster " + settings.clusterName() + " has no snapshot " + spec.restoreFrom());
    }
    String arch = cache.archOf(spec.node());
    DesktopStatus last = statuses.last(spec.id());
    if (existing != null
        && existing.getSpec().power == DesktopResourceSpec.Power.On
        && last != null
        && last.state() != DesktopState.FAILED) {
      statuses.emit(last); // STARTING, RUNNING, or STOPPING of a power cycle: nothing to change
      return Admission.accept();
    }
    writes.execute(() -> write(spec, Power.ON, arch, existing != null));
    return Admission.accept();
  }

  Admission stop(DesktopSpec spec) {
    Admission admission = admitCommon(spec);
    if (!admission.accepted()) {
      return admission;
    }
    Desktop existing = cache.desktop(DesktopNames.desktop(spec.id()));
    if (deleting(existing)) {
      return Admission.refuse(Refusals.beingDeleted(spec.id()));
    }
    String arch = cache.archOf(spec.node());
    if (existing == null) {
      // Known to the gateway, not here (e.g. a new cluster): its volume is made, nothing runs.
      writes.execute(() -> write(spec, Power.OFF, arch, false));
      return Admission.accept();
    }
    if (existing.getSpec().power == DesktopResourceSpec.Power.On) {
      writes.execute(() -> patchPower(existing, DesktopResourceSpec.Power.Off));
      return Admission.accept();
    }
    DesktopStatus last = statuses.last(spec.id());
    if (last != null && last.state() == DesktopState.FAILED) {
      // A failed desktop is already off: STOP acknowledges that it is stopped.
      writes.execute(
          () -> {
            Observed stopped = new Observed(DesktopState.STOPPED, last.node(), null);
            statuses.write(existing, stopped);
            statuses.report(existing, stopped);
          });
      return Admission.accept();
    }
    if (last != null) {
      statuses.emit(last);
    }
    return Admission.accept();
  }

  Admission delete(String cluster, String desktopId) {
    Optional<String> invalid = DesktopNames.invalidId(desktopId);
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(settings.unknownCluster(cluster));
    }
    String name = DesktopNames.desktop(desktopId);
    Desktop existing = cache.desktop(name);
    if (existing == null) {
      DesktopStatus last = statuses.remove(desktopId);
      statuses.emit(
          new DesktopStatus(
              desktopId,
              cluster,
              last == null ? null : last.node(),
              DesktopState.DELETED,
              null,
              System.currentTimeMillis()));
      return Admission.accept();
    }
    if (deleting(existing)) {
      return Admission.accept();
    }
    writes.execute(
        () -> {
          try {
            // The finalizer keeps the Desktop until the reconciler has removed the Pod, then
            // the volume.
            api.deleteDesktop(name);
          } catch (KubernetesClientException e) {
            LOG.warnf("could not delete Desktop %s: %s", name, e.getMessage());
            queue.addAfter(DesktopReconciler.KEY + name, Duration.ofSeconds(1));
          }
        });
    return Admission.accept();
  }

  /** Whether the desktop's resource is on its way out (its finalizer still holds it). */
  private static boolean deleting(Desktop d) {
    return d != null && d.getMetadata().getDeletionTimestamp() != null;
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
      return Admission.refuse(settings.unknownCluster(spec.cluster()));
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
    Node node = cache.node(spec.node());
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
    ClusterReport report = cache.report();
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
    for (NodeCapacity capacity : cache.nodeCapacity()) {
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

  // --- writes (on the command thread)

  private void write(DesktopSpec spec, Power power, String arch, boolean exists) {
    String name = DesktopNames.desktop(spec.id());
    try {
      if (!exists) {
        try {
          api.createDesktop(resources.desktop(spec, power, arch));
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
        }
      }
      api.mergePatchDesktop(name, Map.of("spec", resources.spec(spec, power, arch)));
    } catch (KubernetesClientException e) {
      LOG.warnf("could not write Desktop %s: %s", name, e.getMessage());
      statuses.report(
          spec.id(),
          spec.node(),
          new Observed(
              DesktopState.FAILED,
              spec.node(),
              "could not write Desktop " + name + ": " + e.getMessage()));
    }
  }

  /** Sets the Desktop's power; a failed write is tried again through the work queue. */
  void patchPower(Desktop desktop, DesktopResourceSpec.Power power) {
    String name = desktop.getMetadata().getName();
    try {
      api.mergePatchDesktop(name, Map.of("spec", Map.of("power", power.name())));
    } catch (KubernetesClientException e) {
      LOG.warnf("could not set power %s on Desktop %s: %s", power, name, e.getMessage());
      queue.addAfter(DesktopReconciler.KEY + name, Duration.ofSeconds(1));
    }
  }
}
