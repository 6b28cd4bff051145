package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesiredPower;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.SnapshotSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The desktops this runtime knows and their power states. One lock guards every {@link
 * LocalDesktop}: a command or an event moves a desktop under it ({@code STARTING}, {@code RUNNING},
 * {@code STOPPING}, {@code STOPPED}, {@code FAILED}, {@code DELETED}) and reports the move; the
 * blocking work a move starts (a launch, the wait for its display, a stop, a delete, a restart
 * after its session ended) runs on virtual threads, serialised per desktop by its own lock. The
 * runtime admits commands and answers queries; this is the state machine behind them, kept whole so
 * that every read and write of a desktop's state stays under the one lock.
 *
 * <p>Longer than the package's other classes on purpose: the transitions and the work they start
 * call each other (a launch fails, an exit restarts, a stop starts again) and share that lock;
 * splitting them would hand the lock and the desktops to more classes. What needs neither is
 * elsewhere: {@link NodeRoom}, {@link DesktopRestarts}, {@link DesktopLayers}, {@link
 * DesktopLauncher}.
 */
final class DesktopLifecycle {
  // Logs under the runtime's category, as before the state machine had a class of its own.
  private static final Logger LOG = Logger.getLogger(LocalRuntime.class);

  private static final int PROBE_TIMEOUT_MILLIS = 500;

  private final LocalSettings settings;
  private final DesktopLauncher launcher;
  private final LocalDataDir dataDir;
  private final RuntimeListeners listeners;
  // How often the prints folders of running desktops are looked at: a print is news within it.
  private static final Duration PRINT_LOOK_INTERVAL = Duration.ofSeconds(1);

  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("opencdi-local-", 0).factory());
  private final DesktopLayers layers;

  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, LocalDesktop> desktops = new HashMap<>();
  private final NodeRoom room;

  DesktopLifecycle(
      LocalSettings settings,
      DesktopLauncher launcher,
      LocalDataDir dataDir,
      LayerCache layerCache,
      RuntimeListeners listeners) {
    this.settings = settings;
    this.launcher = launcher;
    this.dataDir = dataDir;
    this.listeners = listeners;
    this.room = new NodeRoom(settings);
    this.layers =
        new DesktopLayers(
            settings, layerCache, dataDir, workers, this::layersInUse, this::capacityChanged);
  }

  /** Takes in the desktops an earlier agent left, each {@code STOPPED}. */
  void adopt(List<LocalDesktop> found) {
    for (LocalDesktop d : found) {
      synchronized (lock) {
        desktops.put(d.id, d);
        transition(d, DesktopState.STOPPED, null);
      }
    }
  }

  /** Starts the checks that run until the runtime closes: health, unused layers, prints. */
  void watch() {
    workers.execute(this::watchHealth);
    workers.execute(layers::sweep);
    workers.execute(this::watchPrints);
  }

  int size() {
    synchronized (lock) {
      return desktops.size();
    }
  }

  /** The last status of every desktop known here. */
  List<DesktopStatus> inventory() {
    synchronized (lock) {
      return desktops.values().stream().map(d -> d.last).filter(Objects::nonNull).toList();
    }
  }

  /** The launch of a desktop that is {@code RUNNING}, if any. */
  Optional<Launch> running(String desktopId) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      if (d == null || d.state != DesktopState.RUNNING || d.launch == null) {
        return Optional.empty();
      }
      return Optional.of(d.launch);
    }
  }

  /** The launch of a desktop in any state (a launch outlives RUNNING until it is ended), if any. */
  Optional<Launch> launch(String desktopId) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(desktopId);
      return Optional.ofNullable(d == null ? null : d.launch);
    }
  }

  /** The process groups of the running desktops among {@code ids}, and how many desktops run. */
  record Running(Map<String, Long> groups, int count) {}

  Running runningGroups(Collection<String> ids) {
    Map<String, Long> groups = new LinkedHashMap<>();
    int running = 0;
    synchronized (lock) {
      for (LocalDesktop d : desktops.values()) {
        if (d.state == DesktopState.RUNNING && d.launch != null) {
          running++;
          if (ids.contains(d.id)) {
            groups.put(d.id, d.launch.pgid());
          }
        }
      }
    }
    return new Running(groups, running);
  }

  // --- commands, admitted by the runtime

  /** A start: the desktop runs, or starts once a stop under way ends. */
  Admission start(DesktopSpec spec) {
    synchronized (lock) {
      LocalDesktop d = desktops.computeIfAbsent(spec.id(), LocalDesktop::new);
      DesiredPower.Step step = DesiredPower.start(d.state, d.deleting);
      if (step == DesiredPower.Step.REFUSE_BEING_DELETED) {
        return Admission.refuse(Refusals.beingDeleted(spec.id()));
      }
      d.wantRunning = true;
      d.wanted = spec;
      if (step == DesiredPower.Step.BEGIN_START) {
        beginStart(d);
      } else {
        emit(d.last);
      }
      return Admission.accept();
    }
  }

  /** A stop: the desktop is powered off, its home kept. */
  Admission stop(DesktopSpec spec) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(spec.id());
      DesiredPower.Step step =
          DesiredPower.stop(d != null, d == null ? null : d.state, d != null && d.deleting);
      if (step == DesiredPower.Step.REFUSE_BEING_DELETED) {
        return Admission.refuse(Refusals.beingDeleted(spec.id()));
      }
      if (d == null) {
        // Known to the gateway, not here: its home is (now) a directory, nothing runs.
        d = new LocalDesktop(spec.id());
        desktops.put(d.id, d);
      }
      d.wantRunning = false;
      d.wanted = spec;
      switch (step) {
        case BEGIN_STOP -> beginStop(d);
        case REPORT_STOPPED -> transition(d, DesktopState.STOPPED, null);
        default -> emit(d.last);
      }
      return Admission.accept();
    }
  }

  /** A delete: the desktop's processes end and its directory goes. */
  Admission delete(String desktopId) {
    synchronized (lock) {
      // One unknown here is deleted too: its home may be on disk from an earlier agent.
      LocalDesktop d = desktops.computeIfAbsent(desktopId, LocalDesktop::new);
      if (DesiredPower.delete(d.deleting) == DesiredPower.Step.NOTHING) {
        return Admission.accept();
      }
      d.deleting = true;
      d.wantRunning = false;
      long epoch = ++d.epoch;
      LocalDesktop desktop = d;
      workers.execute(() -> deleteNow(desktop, epoch));
      return Admission.accept();
    }
  }

  /**
   * A snapshot of a desktop known here and not being deleted: {@code take} runs under the lock, so
   * that no delete begins meanwhile.
   */
  Admission snapshot(SnapshotSpec spec, Runnable take) {
    synchronized (lock) {
      LocalDesktop d = desktops.get(spec.desktopId());
      if (d == null) {
        return Admission.refuse(
            "cluster " + settings.clusterName() + " has no desktop " + spec.desktopId());
      }
      if (d.deleting) {
        return Admission.refuse(Refusals.beingDeleted(spec.desktopId()));
      }
      take.run();
      return Admission.accept();
    }
  }

  /** Ends every desktop's processes (homes stay) and the threads of their work. */
  void close() {
    List<LocalDesktop> all;
    synchronized (lock) {
      all = new ArrayList<>(desktops.values());
      all.forEach(d -> d.epoch++);
    }
    List<Launch> running = new ArrayList<>();
    for (LocalDesktop d : all) {
      // Waits for a launch in progress, so that no desktop starts after the runtime closed.
      boolean locked = false;
      try {
        locked =
            d.ops.tryLock(settings.stopGrace().plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        synchronized (lock) {
          if (d.launch != null) {
            running.add(d.launch);
            d.launch = null;
          }
        }
      } finally {
        if (locked) {
          d.ops.unlock();
        }
      }
    }
    List<Thread> stoppers = new ArrayList<>();
    for (Launch launch : running) {
      stoppers.add(Thread.ofVirtual().start(() -> launcher.terminate(launch)));
    }
    for (Thread t : stoppers) {
      try {
        t.join(settings.stopGrace().plusSeconds(5).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    workers.shutdownNow();
  }

  // --- transitions (under lock) and the blocking work they start (on virtual threads)

  private void beginStart(LocalDesktop d) {
    DesktopSpec spec = d.wanted;
    String lacking = room.lacking(spec);
    if (lacking != null) {
      transition(d, DesktopState.FAILED, lacking);
      return;
    }
    d.spec = spec;
    hold(d, spec);
    transition(d, DesktopState.STARTING, null);
    long epoch = ++d.epoch;
    workers.execute(() -> launch(d, epoch));
  }

  private void beginStop(LocalDesktop d) {
    transition(d, DesktopState.STOPPING, null);
    long epoch = ++d.epoch;
    workers.execute(() -> stopNow(d, epoch));
  }

  private void launch(LocalDesktop d, long epoch) {
    d.ops.lock();
    try {
      DesktopSpec spec;
      synchronized (lock) {
        if (d.epoch != epoch) {
          return;
        }
        spec = d.spec;
      }
      Launch launch;
      try {
        launch = spawn(d, spec);
      } catch (IOException | RuntimeException e) {
        LOG.warnf("desktop %s could not start: %s", spec.id(), e.getMessage());
        synchronized (lock) {
          if (d.epoch == epoch) {
            release(d);
            transition(d, DesktopState.FAILED, "could not start the desktop: " + e.getMessage());
          }
        }
        return;
      }
      synchronized (lock) {
        // Kept even when a stop came meanwhile: the stop waits for this lock and ends it.
        d.launch = launch;
      }
      launch.process().onExit().thenRun(() -> workers.execute(() -> exited(d, launch)));
      workers.execute(() -> awaitDisplay(d, launch, epoch));
    } finally {
      d.ops.unlock();
    }
  }

  /** STARTING becomes RUNNING when the display answers with an RFB banner. */
  private void awaitDisplay(LocalDesktop d, Launch launch, long epoch) {
    long deadline = launch.startedNanos() + settings.startTimeout().toNanos();
    while (true) {
      synchronized (lock) {
        if (d.epoch != epoch || d.launch != launch) {
          return;
        }
      }
      if (!launch.process().isAlive()) {
        return; // exited() reports it
      }
      DisplayEndpoint ep = launch.endpoint();
      if (Rfb.banner(ep.host(), ep.port(), PROBE_TIMEOUT_MILLIS) != null) {
        synchronized (lock) {
          if (d.epoch == epoch && d.launch == launch && d.state == DesktopState.STARTING) {
            transition(d, DesktopState.RUNNING, null);
          }
        }
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        fail(
            d,
            launch,
            "no RFB banner on "
                + ep.host()
                + ":"
                + ep.port()
                + " within "
                + settings.startTimeout().toSeconds()
                + " s; "
                + DesktopLauncher.logTail(launch));
        return;
      }
      HostCommands.sleep(Duration.ofMillis(50));
    }
  }

  /** The desktop's processes ended without being asked to. */
  private void exited(LocalDesktop d, Launch launch) {
    boolean restart;
    synchronized (lock) {
      if (d.launch != launch) {
        return; // a stop or delete ended it
      }
      // A session that ran is restarted; one that never came up is FAILED (its cause is not
      // passing).
      restart = d.state == DesktopState.RUNNING && d.wantRunning && !d.deleting;
    }
    if (restart) {
      restartAfterExit(d, launch, "session exited with code " + launch.process().exitValue());
      return;
    }
    // Its last words are in the log once the pipe is drained.
    launch.log().awaitDrained(2_000);
    fail(
        d,
        launch,
        "the desktop's processes exited with code "
            + launch.process().exitValue()
            + "; "
            + DesktopLauncher.logTail(launch));
  }

  private void fail(LocalDesktop d, Launch launch, String reason) {
    endLaunch(
        d,
        launch,
        () -> {
          release(d);
          if (d.state == DesktopState.STARTING || d.state == DesktopState.RUNNING) {
            LOG.warnf("desktop %s failed: %s", d.id, reason);
            transition(d, DesktopState.FAILED, reason);
          }
        });
  }

  /**
   * Ends {@code launch}'s processes and forgets it, then runs {@code then} under {@link #lock};
   * does nothing when the desktop moved on to another launch meanwhile (a stop, a new start).
   */
  private void endLaunch(LocalDesktop d, Launch launch, Runnable then) {
    d.ops.lock();
    try {
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
      }
      launcher.terminate(launch);
      synchronized (lock) {
        if (d.launch != launch) {
          return;
        }
        d.launch = null;
        launcher.releaseDisplay(launch.display());
        then.run();
      }
    } finally {
      d.ops.unlock();
    }
  }

  /** Ends the desktop's processes, if it has any; returns them. The caller holds {@code d.ops}. */
  private Launch terminateRunning(LocalDesktop d) {
    Launch launch;
    synchronized (lock) {
      launch = d.launch;
    }
    if (launch != null) {
      launcher.terminate(launch);
    }
    return launch;
  }

  private void stopNow(LocalDesktop d, long epoch) {
    d.ops.lock();
    try {
      Launch launch = terminateRunning(d);
      synchronized (lock) {
        if (launch != null && d.launch == launch) {
          d.launch = null;
          launcher.releaseDisplay(launch.display());
        }
        if (d.epoch != epoch || d.deleting) {
          return;
        }
        release(d);
        transition(d, DesktopState.STOPPED, null);
        if (DesiredPower.stopped(d.wantRunning) == DesiredPower.Step.BEGIN_START) {
          beginStart(d);
        }
      }
    } finally {
      d.ops.unlock();
    }
  }

  private void deleteNow(LocalDesktop d, long epoch) {
    d.ops.lock();
    try {
      Launch launch = terminateRunning(d);
      String problem = null;
      try {
        LocalDataDir.deleteTree(dataDir.dir(d.id));
      } catch (IOException | UncheckedIOException e) {
        problem = "could not delete the home directory: " + e.getMessage();
      }
      synchronized (lock) {
        if (launch != null && d.launch == launch) {
          d.launch = null;
          launcher.releaseDisplay(launch.display());
        }
        release(d);
        if (d.epoch != epoch) {
          return;
        }
        if (problem != null) {
          d.deleting = false;
          transition(d, DesktopState.FAILED, problem);
          return;
        }
        desktops.remove(d.id);
        transition(d, DesktopState.DELETED, null);
        layers.released(d.layerDigests);
      }
    } finally {
      d.ops.unlock();
    }
  }

  private void hold(LocalDesktop d, DesktopSpec spec) {
    room.hold(d, spec);
    capacityChanged();
  }

  private void release(LocalDesktop d) {
    if (room.release(d)) {
      capacityChanged();
    }
  }

  private void transition(LocalDesktop d, DesktopState state, String reason) {
    d.state = state;
    if (state == DesktopState.STOPPED || state == DesktopState.DELETED) {
      // Powered off or gone: a next start is a fresh session.
      d.health = DesktopHealthWatch.Judgement.OK;
      d.restarts.clear();
    }
    report(d, reason);
  }

  private void report(LocalDesktop d, String reason) {
    d.last =
        new DesktopStatus(
            d.id,
            settings.clusterName(),
            settings.nodeName(),
            d.state,
            reason,
            System.currentTimeMillis(),
            d.health.health(),
            d.health.reason());
    emit(d.last);
  }

  /** The digests of the layers the desktops known here reference. */
  private Set<String> layersInUse() {
    synchronized (lock) {
      Set<String> used = new HashSet<>();
      for (LocalDesktop d : desktops.values()) {
        used.addAll(d.layerDigests);
      }
      return used;
    }
  }

  /** See {@link DesktopLayers#collect}. */
  List<String> collectLayers() {
    return layers.collect();
  }

  // --- long-run hygiene: health checks and restarts

  /** Checks every running desktop's health each interval until the runtime closes. */
  private void watchHealth() {
    everyRunning(
        settings.hygiene().healthInterval(),
        running -> {
          for (LocalDesktop d : running) {
            try {
              checkHealth(d);
            } catch (RuntimeException e) {
              LOG.warnf(e, "desktop %s: health check failed", d.id);
            }
          }
        });
  }

  /** Tells the listeners of each PDF a running desktop prints ({@link PrintWatch}). */
  private void watchPrints() {
    PrintWatch prints = new PrintWatch(settings.clusterName(), settings.hygiene().prints());
    everyRunning(
        PRINT_LOOK_INTERVAL,
        running -> {
          prints.retain(running.stream().map(d -> d.id).toList());
          for (LocalDesktop d : running) {
            Launch launch = d.launch;
            if (launch == null) {
              continue;
            }
            prints
                .look(
                    d.id,
                    Long.toString(launch.startedNanos()),
                    launch.printsAtStart(),
                    DesktopPrints.dir(dataDir.dir(d.id)),
                    System.currentTimeMillis())
                .forEach(listeners::printed);
          }
        });
  }

  /**
   * Hands the desktops that are RUNNING at that moment to {@code look} every {@code interval},
   * until the runtime closes (its workers are interrupted).
   */
  private void everyRunning(Duration interval, Consumer<List<LocalDesktop>> look) {
    while (!Thread.currentThread().isInterrupted()) {
      HostCommands.sleep(interval);
      List<LocalDesktop> running;
      synchronized (lock) {
        running = desktops.values().stream().filter(d -> d.state == DesktopState.RUNNING).toList();
      }
      look.accept(running);
    }
  }

  private void checkHealth(LocalDesktop d) {
    Launch launch;
    int restarts;
    String lastRestart;
    long now = System.currentTimeMillis();
    synchronized (lock) {
      launch = d.launch;
      restarts = d.restarts.within(settings.hygiene().restartWindow(), now);
      lastRestart = d.restarts.last();
    }
    if (launch == null) {
      return;
    }
    DesktopHealthWatch.Judgement j =
        launch
            .health()
            .check(launch.cgroups().usage(), launch.log().written(), restarts, lastRestart, now);
    synchronized (lock) {
      if (d.launch == launch && d.state == DesktopState.RUNNING && !j.equals(d.health)) {
        if (j.health() != d.health.health()) {
          LOG.infof(
              "desktop %s is %s%s", d.id, j.health(), j.reason() == null ? "" : ": " + j.reason());
        }
        d.health = j;
        report(d, d.last == null ? null : d.last.reason());
      }
    }
  }

  /**
   * A running desktop's session ended on its own while it should run: its processes are ended and
   * it starts again, with its home, after a wait that doubles with each restart in a row.
   */
  private void restartAfterExit(LocalDesktop d, Launch launch, String why) {
    endLaunch(
        d,
        launch,
        () -> {
          LocalSettings.Hygiene h = settings.hygiene();
          Duration wait = d.restarts.record(h, why);
          int count = d.restarts.count();
          d.health =
              new DesktopHealthWatch.Judgement(
                  DesktopHealth.DEGRADED,
                  "session restarted "
                      + count
                      + (count == 1 ? " time" : " times")
                      + " in the last "
                      + h.restartWindow().toMinutes()
                      + " min (last: "
                      + why
                      + ")");
          LOG.warnf("desktop %s: %s; restarting it in %d ms", d.id, why, wait.toMillis());
          // Still holding its capacity: it is starting again, not stopped.
          transition(
              d,
              DesktopState.STARTING,
              why + "; restart " + count + " in " + wait.toMillis() + " ms");
          long epoch = ++d.epoch;
          Duration delay = wait;
          workers.execute(
              () -> {
                HostCommands.sleep(delay);
                launch(d, epoch);
              });
        });
  }

  private Launch spawn(LocalDesktop d, DesktopSpec spec) throws IOException {
    return layers.start(
        spec,
        now -> {
          synchronized (lock) {
            Set<String> before = d.layerDigests;
            d.layerDigests = now;
            return before;
          }
        },
        overlays -> launcher.spawn(spec, overlays, dir -> assignUid(d, dir)));
  }

  /**
   * The desktop's user id: the one it had (kept in {@code <dir>/uid}), else the lowest of the range
   * that no other desktop holds.
   */
  private int assignUid(LocalDesktop d, Path dir) throws IOException {
    synchronized (lock) {
      if (d.uid < 0) {
        d.uid = LocalDataDir.readUid(dir);
      }
      if (d.uid < 0) {
        Set<Integer> taken = new HashSet<>();
        desktops.values().forEach(o -> taken.add(o.uid));
        for (int u = settings.desktopUidBase();
            u < settings.desktopUidBase() + settings.desktopUidCount();
            u++) {
          if (!taken.contains(u)) {
            d.uid = u;
            break;
          }
        }
        if (d.uid < 0) {
          throw new IOException(
              "no free user id left in opencdi.agent.local.desktop-uid-base/-count ("
                  + settings.desktopUidCount()
                  + " desktops exist)");
        }
      }
    }
    LocalDataDir.writeUid(dir, d.uid);
    return d.uid;
  }

  private void emit(DesktopStatus status) {
    listeners.statusChanged(status);
  }

  private void capacityChanged() {
    listeners.capacityChanged(settings.clusterName());
  }
}
