package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reconciles one Desktop at a time (on the work queue's one worker) into its home volume, display
 * Service, NetworkPolicy and, while powered on, its Pod; tears them down in order when the Desktop
 * is deleted, and reports what the Pod does. Level-triggered: each pass reads the Desktop and what
 * it owns from {@link KubernetesCache} and makes one step towards what the Desktop asks, so a pass
 * may run any number of times for the same key.
 */
final class DesktopReconciler {
  /** Work-queue keys of Desktops: this prefix and the Desktop's name. */
  static final String KEY = "desktop/";

  /** A requeue for a start deadline comes this late, so the deadline has surely passed. */
  private static final long DEADLINE_MARGIN_MILLIS = 50;

  private final KubernetesSettings settings;
  private final KubernetesCache cache;
  private final KubernetesApi api;
  private final DesktopResources resources;
  private final DesktopStatuses statuses;
  private final DesktopCommands commands;
  private final WorkQueue queue;
  // Desktops (name → uid) the agent finished deleting while the cache may still show them.
  private final Map<String, String> tombstones = new ConcurrentHashMap<>();
  // Desktops whose Pod failed, until the cache shows them powered off (worker thread only).
  private final Set<String> failing = new HashSet<>();

  DesktopReconciler(
      KubernetesSettings settings,
      KubernetesCache cache,
      KubernetesApi api,
      DesktopResources resources,
      DesktopStatuses statuses,
      DesktopCommands commands,
      WorkQueue queue) {
    this.settings = settings;
    this.cache = cache;
    this.api = api;
    this.resources = resources;
    this.statuses = statuses;
    this.commands = commands;
    this.queue = queue;
  }

  /** The desktops of the cluster as last reported, or as a previous agent recorded them. */
  List<DesktopStatus> inventory() {
    List<DesktopStatus> inventory = new ArrayList<>();
    for (Desktop d : cache.desktops()) {
      DesktopResourceSpec spec = d.getSpec();
      if (spec == null || spec.desktopId == null || released(d) || isTombstone(d)) {
        continue;
      }
      inventory.add(statuses.lastOrRecorded(d));
    }
    return inventory;
  }

  /** One pass over the Desktop named {@code name}; true: done until its next change. */
  boolean reconcile(String name) {
    Desktop d = cache.desktop(name);
    if (d == null) {
      tombstones.remove(name);
    }
    if (d == null || released(d)) {
      statuses.forget(name);
      return true;
    }
    if (isTombstone(d)) {
      return true; // torn down already; the cache has not seen the object go yet
    }
    DesktopResourceSpec spec = d.getSpec();
    if (spec == null || spec.desktopId == null) {
      return true; // not a desktop the agent can run; the CRD schema normally prevents this
    }
    statuses.named(name, spec.desktopId);
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
      api.setFinalizers(name, finalizers);
    }

    String claimName = DesktopResources.homeClaimName(d);
    if (cache.claim(claimName) == null) {
      String restoreFrom = null;
      if (spec.home != null && spec.home.restoreFrom != null) {
        DesktopSnapshot snapshot = cache.snapshot(spec.home.restoreFrom);
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
          statuses.write(d, waiting);
          statuses.report(d, waiting);
          return true; // the snapshot's events requeue this desktop
        }
        restoreFrom = snapshot.getStatus().volumeSnapshotName;
      }
      api.createIfAbsent(resources.homeClaim(d, restoreFrom));
    }
    if (cache.service(name) == null) {
      api.createIfAbsent(resources.service(d));
    }
    if (cache.networkPolicy(DesktopNames.networkPolicy(name)) == null) {
      api.createIfAbsent(resources.networkPolicy(d));
    }

    Pod pod = cache.pod(name);
    boolean on = spec.power == DesktopResourceSpec.Power.On;
    if (!on) {
      failing.remove(name);
    } else if (failing.contains(name)) {
      // Failed, and our power-off has not reached the cache yet: start no new Pod meanwhile.
      return true;
    }
    if (on && pod == null) {
      api.createIfAbsent(resources.pod(d));
    } else if (!on && pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
      api.deletePod(name);
    }
    Instant now = Instant.now();
    Observed observed =
        DesktopStateMapper.observe(
            d,
            pod,
            pod == null ? List.of() : cache.podEvents(name),
            settings.startFailureAfter(),
            settings.startDeadline(),
            now);
    if (observed.failed() && on) {
      // The Pod would hold the node's capacity while it cannot run: remove it (the volume
      // stays) and power the desktop off, so the next start is a real change.
      failing.add(name);
      statuses.write(d, observed);
      statuses.report(d, observed);
      commands.patchPower(d, DesktopResourceSpec.Power.Off);
      if (pod != null) {
        api.deletePod(name);
      }
      return true;
    }
    statuses.write(d, observed);
    statuses.report(d, observed);
    Instant deadline = DesktopStateMapper.startDeadline(pod, settings.startDeadline());
    if (observed.state() == DesktopState.STARTING && deadline != null) {
      // Nothing may ever change while a start hangs: look again when its deadline has passed.
      queue.addAfter(
          KEY + name, Duration.between(now, deadline).plusMillis(DEADLINE_MARGIN_MILLIS));
    }
    return true;
  }

  // The Pod, Service and NetworkPolicy go first, the volume once the Pod is gone, the finalizer
  // last: the delete events requeue the Desktop for each next step.
  private boolean teardown(Desktop d) {
    String name = d.getMetadata().getName();
    Pod pod = cache.pod(name);
    if (pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
      api.deletePod(name);
    }
    if (cache.service(name) != null) {
      api.deleteService(name);
    }
    String policy = DesktopNames.networkPolicy(name);
    if (cache.networkPolicy(policy) != null) {
      api.deleteNetworkPolicy(policy);
    }
    if (pod != null) {
      return true; // the volume goes once the Pod is gone (its delete event requeues)
    }
    String claim = DesktopResources.homeClaimName(d);
    if (cache.claim(claim) != null) {
      api.deleteClaim(claim);
      return true;
    }
    List<String> finalizers = new ArrayList<>(d.getMetadata().getFinalizers());
    if (finalizers.remove(DesktopNames.FINALIZER)) {
      api.setFinalizers(name, finalizers);
    }
    // Nothing of the desktop is left: it is deleted, whenever the API server drops the object.
    tombstones.put(name, d.getMetadata().getUid());
    statuses.forget(name);
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
}
