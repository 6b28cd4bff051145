package io.opencdi.agent.runtime;

import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.SnapshotSpec;
import java.util.List;
import java.util.Optional;

/**
 * Where desktops actually run: the seam between the gateway link (which speaks the protocol) and a
 * concrete runtime. See {@code docs/adr/0003-agent-runtime-seam.md}.
 *
 * <p>Implementations are level-triggered reconcilers: {@link #start}, {@link #stop}, {@link
 * #delete}, {@link #snapshot} and {@link #deleteSnapshot} record the desired state, check what can
 * be checked at once, and return quickly; the runtime then converges in the background and reports
 * every observed transition to its {@link RuntimeListener listeners}. Every command is idempotent:
 * repeating it changes nothing and re-reports the current state.
 *
 * <p>All methods are thread-safe.
 */
public interface DesktopRuntime extends AutoCloseable {

  /** The runtime's kind as reported in {@code Hello.runtime}: {@code simulated}, … */
  String kind();

  /** Every cluster this runtime serves, with its current capacity. */
  List<ClusterReport> clusters();

  /** One cluster's current report, or empty when this runtime does not serve it. */
  Optional<ClusterReport> cluster(String name);

  /** Whether the cluster can take desktops now (reported as {@code CapacityUpdate.ready}). */
  boolean isReady(String cluster);

  /**
   * The last observed status of every desktop that exists in the runtime's clusters (deleted
   * desktops are gone). This list is the truth about what exists.
   */
  List<DesktopStatus> inventory();

  /**
   * Creates the desktop if needed and powers it on. Refused when the spec can never run here
   * (unknown cluster or node, runtime or storage class missing, larger than the node); a desktop
   * that is accepted but does not fit on its node right now ends in {@code FAILED} with a reason.
   * Emits {@code STARTING} then {@code RUNNING} or {@code FAILED}.
   */
  Admission start(DesktopSpec spec);

  /**
   * Powers the desktop off and keeps its home volume. A desktop the runtime does not know yet is
   * registered as {@code STOPPED} (its volume exists, nothing runs). Emits {@code STOPPING} then
   * {@code STOPPED}.
   */
  Admission stop(DesktopSpec spec);

  /**
   * Removes the desktop and its home volume. Deleting an unknown desktop succeeds and emits {@code
   * DELETED}.
   */
  Admission delete(String cluster, String desktopId);

  /**
   * Takes a point-in-time copy of the home volume of desktop {@code snapshot.desktopId()}, running
   * or powered off. Refused when the cluster or the desktop is unknown here or the desktop is being
   * deleted. Emits {@code PENDING} then {@code READY} (with its size) or {@code FAILED} through
   * {@link RuntimeListener#snapshotChanged}; a repeated command re-reports the current state. A
   * snapshot outlives its desktop until it is deleted.
   */
  Admission snapshot(SnapshotSpec snapshot);

  /**
   * Removes a snapshot; the desktop is not touched. Deleting an unknown snapshot succeeds. Emits
   * {@code DELETED}.
   */
  Admission deleteSnapshot(String cluster, String snapshotId);

  /**
   * Where the agent reaches the display of a desktop that is {@code RUNNING} in this runtime, or
   * empty when it is not running here or this runtime has no real displays (the {@code simulated}
   * runtime). The display broker refuses a tunnel to a desktop without an endpoint.
   */
  Optional<DisplayEndpoint> display(String cluster, String desktopId);

  /**
   * Has the desktop draw {@code text} over its screen from now on, or nothing when {@code text} is
   * null (ADR 0040). {@code text} is the template's watermark as the gateway filled it in for the
   * connection that is being opened, printable and at most {@value
   * io.opencdi.agent.runtime.Watermark#MAX_CHARS} characters; {@code {time}} in it is the desktop's
   * to keep current. Called on a worker thread before the display is connected; may block briefly.
   * A runtime without real displays, or a desktop it does not run, ignores it.
   */
  default void watermark(String cluster, String desktopId, String text) {}

  /**
   * The files of the home of a desktop that is {@code RUNNING} in this runtime, as its user sees
   * them (ADR 0042), or empty when it does not run here or this runtime transfers no files. The
   * {@code simulated} runtime has no homes; the {@code kubernetes} runtime would need a file
   * sidecar in the desktop's pod, as the agent may not exec into pods, and transfers none for now.
   */
  default Optional<DesktopFiles> files(String cluster, String desktopId) {
    return Optional.empty();
  }

  /**
   * The files of one folder of a desktop that is {@code RUNNING} in this runtime: its home as
   * {@link #files(String, String)}, or the PDFs of its virtual printer (ADR 0043), which the caller
   * only lists and downloads. Empty when the desktop does not run here or this runtime has no such
   * folder (only the {@code local} runtime has prints for now).
   */
  default Optional<DesktopFiles> files(String cluster, String desktopId, FileOpen.Folder folder) {
    return folder == FileOpen.Folder.HOME ? files(cluster, desktopId) : Optional.empty();
  }

  /**
   * The sound of a desktop that is {@code RUNNING} in this runtime (ADR 0044), or empty when it
   * does not run here or has no sound this agent can reach: the {@code simulated} runtime has none,
   * the {@code kubernetes} runtime none for now (the agent does not reach into pods), the {@code
   * local} runtime none for gVisor desktops.
   */
  default Optional<DesktopAudio> audio(String cluster, String desktopId) {
    return Optional.empty();
  }

  /**
   * What some desktops of one cluster use now and, when asked, the cluster's nodes (see {@code
   * docs/agent-protocol.md}, "Live state"). Called on a worker thread; may block briefly (a runtime
   * reads {@code /proc} or asks its API server) but must not wait for long.
   */
  default LiveReport live(LiveQuery query) {
    return LiveReport.failed(query, "the " + kind() + " runtime reports no live state");
  }

  /**
   * Registers a listener. Listeners are called on the runtime's threads, possibly while it holds
   * internal locks and possibly before the command that caused the event has returned: they must
   * return quickly and must not call back into the runtime (hand the event to your own thread).
   */
  void addListener(RuntimeListener listener);

  /** Stops timers and background work; desktops are left as they are. */
  @Override
  void close();
}
