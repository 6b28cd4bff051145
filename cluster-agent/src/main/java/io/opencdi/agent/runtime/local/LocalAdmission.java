package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.StartAdmission;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.SnapshotSpec;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether the local runtime takes a command, and the words of its refusals: ids that can name a
 * directory, the one cluster and node, the runtime classes this host can run (gVisor only with a
 * usable {@code runsc}, application layers only in a desktop's own mount namespace), storage
 * classes and sizes. These rules need no state of a desktop, only what the host can do, so they are
 * decided here and the runtime only acts on an accepted command. A start's checks run in {@link
 * StartAdmission}'s order, with this host's own where it puts a runtime's.
 */
final class LocalAdmission {
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final LocalSettings settings;
  private final List<String> runtimeClasses;
  private final Gvisor.Probe gvisorProbe;
  private final boolean dropPrivileges;
  private final StartAdmission admission;

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
    this.admission =
        new StartAdmission(new HostCluster(), StartAdmission.Sizes.NOT_NEGATIVE, this::hostChecks);
  }

  /** Whether {@code id} can name a directory of the data directory (a desktop's, a snapshot's). */
  static boolean isSafeId(String id) {
    return SAFE_ID.matcher(id).matches();
  }

  /** A stop, delete or snapshot: a desktop id that can name a home, in this cluster. */
  Admission admitCommon(String cluster, String desktopId) {
    return admission.admitDesktop(cluster, desktopId);
  }

  /**
   * A start: besides the common checks, a node, runtime class, storage class and size it can run.
   */
  Admission admitStart(DesktopSpec spec) {
    return admission.admitStart(spec);
  }

  /** This host's own checks of a start, once its node is known and before its classes. */
  private Optional<String> hostChecks(DesktopSpec spec, String runtimeClass) {
    String cluster = settings.clusterName();
    if (!spec.layers().isEmpty()) {
      // Layers are mounted in the desktop's own mount namespace: never launched without them.
      if (runtimeClass.equals("gvisor")) {
        return Optional.of(
            "cluster "
                + cluster
                + " cannot run application layers on runtime class gvisor: a gVisor desktop's"
                + " file system is the host's, read-only, and the local runtime does not compose"
                + " layers into it; use runtime class runc");
      }
      if (!dropPrivileges) {
        return Optional.of(
            "cluster "
                + cluster
                + " cannot run application layers: they are mounted in a desktop's own mount"
                + " namespace, which needs the agent to run as root (this one runs as uid "
                + HostCommands.uid()
                + ")");
      }
    }
    if (runtimeClass.equals("gvisor") && !gvisorProbe.available()) {
      return Optional.of(
          "cluster "
              + cluster
              + " cannot run runtime class gvisor: "
              + gvisorProbe.reason()
              + "; a gvisor desktop never runs unsandboxed");
    }
    if (runtimeClass.equals("kata")) {
      return Optional.of(
          "cluster "
              + cluster
              + " has no runtime class kata: the local runtime runs desktops as host processes"
              + " and cannot boot Kata Containers VMs (it has "
              + String.join(", ", runtimeClasses)
              + ")");
    }
    return Optional.empty();
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
      return Admission.refuse(unknownCluster(cluster));
    }
    return Admission.accept();
  }

  private String unknownCluster(String cluster) {
    return "unknown cluster " + cluster + "; this runtime serves " + settings.clusterName();
  }

  /** The one cluster and node of this host, as a start's admission sees them. */
  private final class HostCluster implements StartAdmission.Clusters, StartAdmission.Offer {
    @Override
    public Optional<String> invalidId(String desktopId) {
      return isSafeId(desktopId)
          ? Optional.empty()
          : Optional.of(
              "desktop id " + desktopId + " cannot name a home directory (letters, digits, . _ -)");
    }

    @Override
    public Optional<StartAdmission.Offer> cluster(String name) {
      return settings.clusterName().equals(name) ? Optional.of(this) : Optional.empty();
    }

    @Override
    public String unknownCluster(String name) {
      return LocalAdmission.this.unknownCluster(name);
    }

    @Override
    public String name() {
      return settings.clusterName();
    }

    @Override
    public boolean hasNode(String node) {
      return settings.nodeName().equals(node);
    }

    @Override
    public Optional<StartAdmission.NodeSize> allocatable(String node) {
      return Optional.of(new StartAdmission.NodeSize(settings.cpuMillis(), settings.memoryMiB()));
    }

    @Override
    public List<String> runtimeClasses() {
      return runtimeClasses;
    }

    @Override
    public List<String> storageClasses() {
      return settings.storageClasses();
    }

    // A desktop that names none runs as plain host processes, which this runtime calls runc; the
    // host's own checks need the class it will run on.
    @Override
    public String runtimeClass(String asked) {
      return asked == null ? "runc" : asked;
    }
  }
}
