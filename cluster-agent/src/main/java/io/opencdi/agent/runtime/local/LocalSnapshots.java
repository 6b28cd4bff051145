package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.protocol.SnapshotSpec;
import io.opencdi.protocol.SnapshotState;
import io.opencdi.protocol.SnapshotStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Snapshots of desktop homes as the runtime takes and deletes them ({@link HomeSnapshots} makes the
 * copies): one after another on a thread of their own, each reported {@code PENDING}, then {@code
 * READY} with its size or {@code FAILED}. Snapshots have a life apart from their desktop's state
 * machine (a copy outlives its desktop), so they are kept apart from it.
 */
final class LocalSnapshots {
  // Logs under the runtime's category, as before snapshots had a class of their own.
  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);

  private final LocalSettings settings;
  private final LocalDataDir dataDir;
  private final HomeSnapshots homeSnapshots;
  private final RuntimeListeners listeners;
  // Snapshots are taken and deleted one after another, so a delete never races its copy.
  private final ExecutorService snapshotWorker =
      Executors.newSingleThreadExecutor(Thread.ofVirtual().name("opencdi-local-snap").factory());
  // Snapshots being taken, by id (their copies are incomplete until READY); guarded by itself.
  private final Map<String, SnapshotSpec> pending = new HashMap<>();

  LocalSnapshots(
      LocalSettings settings,
      LocalDataDir dataDir,
      HomeSnapshots homeSnapshots,
      RuntimeListeners listeners) {
    this.settings = settings;
    this.dataDir = dataDir;
    this.homeSnapshots = homeSnapshots;
    this.listeners = listeners;
  }

  /**
   * Removes the copies an interrupted agent left.
   *
   * @throws IllegalStateException when the snapshots' directory cannot serve
   */
  void prepare() {
    try {
      homeSnapshots.prepare();
    } catch (IOException e) {
      throw new IllegalStateException(
          "opencdi.agent.local.data-dir " + settings.dataDir() + " is not usable: " + e, e);
    }
  }

  /** Whether a complete snapshot of this id exists here. */
  boolean exists(String snapshotId) {
    return homeSnapshots.exists(snapshotId);
  }

  /**
   * Takes a snapshot of an admitted desktop's home, unless one of this id is being taken already;
   * reports it {@code PENDING} either way.
   */
  void take(SnapshotSpec spec) {
    boolean fresh;
    synchronized (pending) {
      fresh = pending.putIfAbsent(spec.id(), spec) == null;
    }
    emit(status(spec, SnapshotState.PENDING, null, null));
    if (fresh) {
      snapshotWorker.execute(() -> copy(spec));
    }
  }

  /** Deletes a snapshot, after any copy or delete asked for before. */
  void delete(String cluster, String snapshotId) {
    snapshotWorker.execute(
        () -> {
          SnapshotSpec spec = new SnapshotSpec(snapshotId, null, null, cluster);
          try {
            homeSnapshots.delete(snapshotId);
            emit(status(spec, SnapshotState.DELETED, null, null));
          } catch (IOException | UncheckedIOException e) {
            emit(
                status(spec, SnapshotState.FAILED, null, "could not delete it: " + e.getMessage()));
          }
        });
  }

  /** Stops the snapshot thread; a copy under way stays incomplete and is removed at next start. */
  void close() {
    snapshotWorker.shutdownNow();
  }

  private void copy(SnapshotSpec spec) {
    SnapshotStatus result;
    try {
      Optional<Long> done = homeSnapshots.size(spec.id());
      long size =
          done.isPresent()
              ? done.get()
              : homeSnapshots.take(spec.id(), dataDir.home(spec.desktopId()));
      result = status(spec, SnapshotState.READY, size, null);
    } catch (IOException | UncheckedIOException e) {
      LOG.warnf("snapshot %s of desktop %s failed: %s", spec.id(), spec.desktopId(), e.toString());
      result = status(spec, SnapshotState.FAILED, null, "could not copy the home directory: " + e);
    }
    synchronized (pending) {
      pending.remove(spec.id());
    }
    emit(result);
  }

  private SnapshotStatus status(SnapshotSpec spec, SnapshotState state, Long size, String reason) {
    return new SnapshotStatus(
        spec.id(),
        spec.desktopId(),
        settings.clusterName(),
        state,
        size,
        reason,
        System.currentTimeMillis());
  }

  private void emit(SnapshotStatus status) {
    listeners.snapshotChanged(status);
  }
}
