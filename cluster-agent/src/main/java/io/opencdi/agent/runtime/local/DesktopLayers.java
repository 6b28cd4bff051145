package io.opencdi.agent.runtime.local;

import io.opencdi.protocol.DesktopSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * The application layers of this host's desktops over their lives (ADR 0037): held while a desktop
 * starts with them, then referenced, in memory and in its directory, until it starts with others or
 * is deleted; unpacked layers that no desktop references are removed once unused for the grace
 * period, by a sweep every few minutes and after a delete. {@link LayerCache} keeps the unpacked
 * layers; this is the bookkeeping between them and the desktops, apart from their power states.
 */
final class DesktopLayers {
  // Logs under the runtime's category, as before the layers had a class of their own.
  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);

  /** Longest time between two looks for unused application layers. */
  private static final Duration LAYER_SWEEP_MAX = Duration.ofMinutes(5);

  /** Shortest time between two looks for unused application layers (a grace of zero). */
  private static final Duration LAYER_SWEEP_MIN = Duration.ofSeconds(1);

  /** Starts a desktop with its layers composed as these overlays. */
  @FunctionalInterface
  interface Start {
    Launch with(List<LayerCache.Overlay> overlays) throws IOException;
  }

  private final LocalSettings settings;
  private final LayerCache cache;
  private final LocalDataDir dataDir;
  private final ExecutorService workers;
  private final Supplier<Set<String>> inUse;
  private final Runnable imagesChanged;

  /**
   * @param workers where a collection after a delete waits out the grace period
   * @param inUse the digests of the layers the desktops known here reference
   * @param imagesChanged told when the cluster's report names other cached images
   */
  DesktopLayers(
      LocalSettings settings,
      LayerCache cache,
      LocalDataDir dataDir,
      ExecutorService workers,
      Supplier<Set<String>> inUse,
      Runnable imagesChanged) {
    this.settings = settings;
    this.cache = cache;
    this.dataDir = dataDir;
    this.workers = workers;
    this.inUse = inUse;
    this.imagesChanged = imagesChanged;
  }

  /**
   * Starts a desktop with the layers its spec names. A layer that is missing or cannot be unpacked
   * fails the start before anything of the desktop is made. They are held (no collection removes
   * them) until the desktop references them, in memory and in its directory (for an agent that
   * restarts).
   *
   * @param reference makes the desktop reference these digests; returns those it referenced before
   */
  Launch start(DesktopSpec spec, UnaryOperator<Set<String>> reference, Start start)
      throws IOException {
    if (spec.layers().isEmpty()) {
      record(spec.id(), List.of(), reference);
      return start.with(List.of());
    }
    int known = cache.images().size();
    List<LayerCache.Held> held = cache.acquireAll(spec.layers());
    List<String> digests = held.stream().map(LayerCache.Held::digest).toList();
    try {
      record(spec.id(), digests, reference);
      if (cache.images().size() != known) {
        imagesChanged.run(); // the cluster's report now names more cached images
      }
      return start.with(
          LayerCache.overlays(held.stream().map(LayerCache.Held::tree).toList(), Path.of("/")));
    } finally {
      cache.release(digests);
    }
  }

  /**
   * A deleted desktop's layers: their grace period starts now; they go after it unless another
   * desktop uses them.
   */
  void released(Set<String> digests) {
    if (!digests.isEmpty()) {
      cache.touch(digests);
      workers.execute(this::collectAfterGrace);
    }
  }

  /** Looks for unused application layers every few minutes until the runtime closes. */
  void sweep() {
    Duration every = settings.layerGrace();
    if (every.compareTo(LAYER_SWEEP_MAX) > 0) {
      every = LAYER_SWEEP_MAX;
    } else if (every.compareTo(LAYER_SWEEP_MIN) < 0) {
      every = LAYER_SWEEP_MIN;
    }
    while (!Thread.currentThread().isInterrupted()) {
      HostCommands.sleep(every);
      if (!Thread.currentThread().isInterrupted()) {
        collect();
      }
    }
  }

  /**
   * Removes the unpacked layers that no desktop known here references (running or stopped) and that
   * none has used for {@code opencdi.agent.local.layer-grace}; returns their digests.
   */
  List<String> collect() {
    try {
      List<String> removed = cache.collect(settings.layerGrace(), inUse);
      if (!removed.isEmpty()) {
        imagesChanged.run(); // the cluster's report names fewer cached images
      }
      return removed;
    } catch (IOException | UncheckedIOException e) {
      LOG.warnf("could not remove unused application layers: %s", e.toString());
      return List.of();
    }
  }

  /** Collects once a deleted desktop's layers have been unused for the grace period. */
  private void collectAfterGrace() {
    HostCommands.sleep(settings.layerGrace());
    if (!Thread.currentThread().isInterrupted()) {
      collect();
    }
  }

  /**
   * Records the layers a desktop starts with: it references them (and no longer those of its last
   * start) until it starts with others or is deleted, whether it runs or not.
   */
  private void record(String desktopId, List<String> digests, UnaryOperator<Set<String>> reference)
      throws IOException {
    Set<String> now = Set.copyOf(digests);
    Set<String> released = new HashSet<>(reference.apply(now));
    released.removeAll(now);
    cache.touch(released);
    dataDir.writeLayers(desktopId, digests);
  }
}
