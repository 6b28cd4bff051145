package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshotStatus;
import io.opencdi.agent.runtime.kubernetes.crd.VolumeSnapshot;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * Desktop snapshots: the gateway's snapshot commands become DesktopSnapshot resources, and each
 * DesktopSnapshot is reconciled (on the work queue's worker) into a CSI VolumeSnapshot of its
 * desktop's home volume, whose progress is written into its status and reported once per change.
 * The commands answer from the same last reports the reconciler keeps, so both live here.
 */
final class SnapshotReconciler {
  /** Work-queue keys of DesktopSnapshots: this prefix and the DesktopSnapshot's name. */
  static final String KEY = "snapshot/";

  // Logs under the runtime's category, as before the snapshots had a class of their own.
  private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

  private final KubernetesSettings settings;
  private final KubernetesCache cache;
  private final KubernetesApi api;
  private final DesktopResources resources;
  private final RuntimeListeners listeners;
  private final Executor writes;
  private final String ns;
  // The last snapshot status reported per DesktopSnapshot name (gateway snapshots only).
  private final Map<String, SnapshotStatus> lastSnapshot = new ConcurrentHashMap<>();

  /**
   * @param writes the command thread: runs the writes in the order the commands came
   */
  SnapshotReconciler(
      KubernetesSettings settings,
      KubernetesCache cache,
      KubernetesApi api,
      DesktopResources resources,
      RuntimeListeners listeners,
      Executor writes) {
    this.settings = settings;
    this.cache = cache;
    this.api = api;
    this.resources = resources;
    this.listeners = listeners;
    this.writes = writes;
    this.ns = settings.namespace();
  }

  // --- commands

  Admission snapshot(SnapshotSpec spec) {
    if (spec == null) {
      return Admission.refuse("snapshot is missing");
    }
    Optional<String> invalid =
        DesktopNames.invalidId(spec.id()).or(() -> DesktopNames.invalidId(spec.desktopId()));
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(spec.cluster())) {
      return Admission.refuse(settings.unknownCluster(spec.cluster()));
    }
    String name = DesktopNames.snapshot(spec.id());
    if (cache.snapshot(name) != null) {
      SnapshotStatus last = lastSnapshot.get(name);
      if (last != null) {
        emitSnapshot(last);
      }
      return Admission.accept();
    }
    Desktop desktop = cache.desktop(DesktopNames.desktop(spec.desktopId()));
    if (desktop == null) {
      return Admission.refuse(
          "cluster " + settings.clusterName() + " has no desktop " + spec.desktopId());
    }
    if (desktop.getMetadata().getDeletionTimestamp() != null) {
      return Admission.refuse(Refusals.beingDeleted(spec.desktopId()));
    }
    writes.execute(
        () -> {
          try {
            api.createIfAbsent(resources.desktopSnapshot(spec));
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

  Admission deleteSnapshot(String cluster, String snapshotId) {
    Optional<String> invalid = DesktopNames.invalidId(snapshotId);
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(settings.unknownCluster(cluster));
    }
    String name = DesktopNames.snapshot(snapshotId);
    if (cache.snapshot(name) == null) {
      lastSnapshot.remove(name);
      emitSnapshot(snapshotStatus(snapshotId, null, SnapshotState.DELETED, null, null));
      return Admission.accept();
    }
    writes.execute(
        () -> {
          try {
            // Its VolumeSnapshot is owned by it and garbage-collected with it.
            api.deleteDesktopSnapshot(name);
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

  // --- reconciling (on the worker thread)

  /** One pass over the DesktopSnapshot named {@code name}; true: done until its next change. */
  boolean reconcile(String name) {
    DesktopSnapshot snapshot = cache.snapshot(name);
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
    VolumeSnapshot vs = cache.volumeSnapshot(name);
    Desktop desktop = cache.desktop(snapshot.getSpec().desktopName);
    if (vs == null) {
      String unavailable = cache.snapshotsUnavailable();
      if (unavailable != null) {
        status.state = "Failed";
        status.reason = unavailable;
        status.volumeSnapshotName = null;
      } else if (desktop == null) {
        status.state = "Failed";
        status.reason = "desktop " + snapshot.getSpec().desktopName + " does not exist";
        status.volumeSnapshotName = null;
      } else {
        api.createIfAbsent(
            resources.volumeSnapshot(snapshot, DesktopResources.homeClaimName(desktop)));
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
      api.patchSnapshotStatus(patch);
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
}
