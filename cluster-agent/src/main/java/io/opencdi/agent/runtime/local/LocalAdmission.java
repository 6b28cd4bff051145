package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.Refusals;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.SnapshotSpec;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether the local runtime takes a command, and the words of its refusals: ids that can name a
 * directory, the one cluster and node, the runtime classes this host can run (gVisor only with a
 * usable {@code runsc}, application layers only in a desktop's own mount namespace), storage
 * classes and sizes. These rules need no state of a desktop, only what the host can do, so they are
 * decided here and the runtime only acts on an accepted command.
 */
final class LocalAdmission {
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final LocalSettings settings;
  private final List<String> runtimeClasses;
  private final Gvisor.Probe gvisorProbe;
  private final boolean dropPrivileges;

  /**
   * @param runtimeClasses the runtime classes this host runs
   * @param gvisorProbe whether gVisor is usable here, and if not why
   * @param dropPrivileges whether desktops run as users of their own (the agent is root)
   */
  LocalAdmission(
      LocalSettings settings,
      List<String> runtimeClasses,
      Gvisor.Probe gvisorProbe,
      boolean dropPrivileges) {
    this.settings = settings;
    this.runtimeClasses = runtimeClasses;
    this.gvisorProbe = gvisorProbe;
    this.dropPrivileges = dropPrivileges;
  }

  /** Whether {@code id} can name a directory of the data directory (a desktop's, a snapshot's). */
  static boolean isSafeId(String id) {
    return SAFE_ID.matcher(id).matches();
  }

  /** A stop, delete or snapshot: a desktop id that can name a home, in this cluster. */
  Admission admitCommon(String cluster, String desktopId) {
    if (desktopId == null || desktopId.isBlank()) {
      return Admission.refuse("desktop id is missing");
    }
    if (!SAFE_ID.matcher(desktopId).matches()) {
      return Admission.refuse(
          "desktop id " + desktopId + " cannot name a home directory (letters, digits, . _ -)");
    }
    return admitCluster(cluster);
  }

  /**
   * A start: besides the common checks, a node, runtime class, storage class and size it can run.
   */
  Admission admitStart(DesktopSpec spec) {
    if (spec == null) {
      return Admission.refuse("desktop id is missing");
    }
    Admission common = admitCommon(spec.cluster(), spec.id());
    if (!common.accepted()) {
      return common;
    }
    String cluster = settings.clusterName();
    if (spec.node() == null || spec.node().isBlank()) {
      return Admission.refuse(Refusals.namesNoNode(spec.id()));
    }
    if (!settings.nodeName().equals(spec.node())) {
      return Admission.refuse(Refusals.noSuchNode(cluster, spec.node()));
    }
    String runtimeClass = spec.runtimeClass() == null ? "runc" : spec.runtimeClass();
    if (!spec.layers().isEmpty()) {
      // Layers are mounted in the desktop's own mount namespace: never launched without them.
      if (runtimeClass.equals("gvisor")) {
        return Admission.refuse(
            "cluster "
                + cluster
                + " cannot run application layers on runtime class gvisor: a gVisor desktop's"
                + " file system is the host's, read-only, and the local runtime does not compose"
                + " layers into it; use runtime class runc");
      }
      if (!dropPrivileges) {
        return Admission.refuse(
            "cluster "
                + cluster
                + " cannot run application layers: they are mounted in a desktop's own mount"
                + " namespace, which needs the agent to run as root (this one runs as uid "
                + HostCommands.uid()
                + ")");
      }
    }
    if (runtimeClass.equals("gvisor") && !gvisorProbe.available()) {
      return Admission.refuse(
          "cluster "
              + cluster
              + " cannot run runtime class gvisor: "
              + gvisorProbe.reason()
              + "; a gvisor desktop never runs unsandboxed");
    }
    if (runtimeClass.equals("kata")) {
      return Admission.refuse(
          "cluster "
              + cluster
              + " has no runtime class kata: the local runtime runs desktops as host processes"
              + " and cannot boot Kata Containers VMs (it has "
              + String.join(", ", runtimeClasses)
              + ")");
    }
    if (!runtimeClasses.contains(runtimeClass)) {
      return Admission.refuse(Refusals.noRuntimeClass(cluster, runtimeClass, runtimeClasses));
    }
    if (spec.storageClass() != null && !settings.storageClasses().contains(spec.storageClass())) {
      return Admission.refuse(
          Refusals.noStorageClass(cluster, spec.storageClass(), settings.storageClasses()));
    }
    if (spec.cpuMillis() < 0 || spec.memoryMiB() < 0) {
      return Admission.refuse(Refusals.negativeSize(spec.id()));
    }
    if (spec.cpuMillis() > settings.cpuMillis() || spec.memoryMiB() > settings.memoryMiB()) {
      return Admission.refuse(
          Refusals.neverFits(
              spec.id(),
              settings.nodeName(),
              spec.cpuMillis(),
              spec.memoryMiB(),
              settings.cpuMillis(),
              settings.memoryMiB()));
    }
    return Admission.accept();
  }

  /** A snapshot: an id that can name a directory, of a desktop {@link #admitCommon} admits. */
  Admission admitSnapshot(SnapshotSpec spec) {
    if (spec == null || spec.id() == null || !SAFE_ID.matcher(spec.id()).matches()) {
      return Admission.refuse("snapshot id is missing or cannot name a directory");
    }
    return admitCommon(spec.cluster(), spec.desktopId());
  }

  /** The deletion of a snapshot: an id that can name a directory, in this cluster. */
  Admission admitSnapshotDelete(String cluster, String snapshotId) {
    if (snapshotId == null || !SAFE_ID.matcher(snapshotId).matches()) {
      return Admission.refuse("snapshot id is missing or cannot name a directory");
    }
    return admitCluster(cluster);
  }

  private Admission admitCluster(String cluster) {
    if (!settings.clusterName().equals(cluster)) {
      return Admission.refuse(
          "unknown cluster " + cluster + "; this runtime serves " + settings.clusterName());
    }
    return Admission.accept();
  }
}
