package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.agent.runtime.StartAdmission;
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
import java.util.List;
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
  private final StartAdmission admission;

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
    // The size is the Pod's requests and limits, equal so that the desktop has a guaranteed share:
    // a zero would leave it without a bound or a share the scheduler counts.
    this.admission =
        new StartAdmission(
            new ServedCluster(), StartAdmission.Sizes.SOME, DesktopCommands::podChecks);
  }

  Admission start(DesktopSpec spec) {
    Admission admission = this.admission.admitStart(spec);
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
    Admission admission = this.admission.admitDesktop(spec);
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
    Admission admission = this.admission.admitDesktop(cluster, desktopId);
    if (!admission.accepted()) {
      return admission;
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

  /** Kubernetes' own checks of a start: what the Pod is made of must be named and valid. */
  private static Optional<String> podChecks(DesktopSpec spec, String runtimeClass) {
    if (spec.image() == null || spec.image().isBlank()) {
      return Optional.of("desktop " + spec.id() + " names no image");
    }
    for (AppLayer layer : spec.layers()) {
      Optional<String> invalidLayer = LayerMounts.invalid(layer);
      if (invalidLayer.isPresent()) {
        return Optional.of("desktop " + spec.id() + ": " + invalidLayer.get());
      }
    }
    return Optional.empty();
  }

  /** The one cluster this agent serves, as a start's admission sees it. */
  private final class ServedCluster implements StartAdmission.Clusters {
    @Override
    public Optional<String> invalidId(String desktopId) {
      return DesktopNames.invalidId(desktopId);
    }

    @Override
    public Optional<StartAdmission.Offer> cluster(String name) {
      return settings.clusterName().equals(name)
          ? Optional.of(new CachedOffer())
          : Optional.empty();
    }

    @Override
    public String unknownCluster(String name) {
      return settings.unknownCluster(name);
    }
  }

  /**
   * What the caches show of the cluster, for one admission: the report (which walks every Pod) is
   * read once, and only when a class is checked.
   */
  private final class CachedOffer implements StartAdmission.Offer {
    private ClusterReport report;

    @Override
    public String name() {
      return settings.clusterName();
    }

    @Override
    public boolean hasNode(String node) {
      return cache.node(node) != null;
    }

    // Every cached node has a capacity; one gone from the cache since hasNode has none to compare.
    @Override
    public Optional<StartAdmission.NodeSize> allocatable(String node) {
      return cache.nodeCapacity().stream()
          .filter(c -> c.name().equals(node))
          .findFirst()
          .map(
              c -> new StartAdmission.NodeSize(c.allocatableCpuMillis(), c.allocatableMemoryMiB()));
    }

    @Override
    public List<String> runtimeClasses() {
      return report().runtimeClasses();
    }

    @Override
    public List<String> storageClasses() {
      return report().storageClasses();
    }

    // No runtime class leaves the Pod's unset: the cluster's default handler, which always exists.
    @Override
    public String runtimeClass(String asked) {
      return asked == null || asked.isBlank() ? null : asked;
    }

    // No storage class means the agent's configured one, which the home's claim names: it must
    // exist, or the claim would never bind.
    @Override
    public String storageClass(String asked) {
      return asked == null || asked.isBlank() ? settings.storageClass() : asked;
    }

    private ClusterReport report() {
      if (report == null) {
        report = cache.report();
      }
      return report;
    }
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
