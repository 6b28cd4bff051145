package io.opencdi.agent.runtime;

import io.opencdi.protocol.DesktopSpec;
import java.util.Collection;
import java.util.Optional;

/**
 * Whether a runtime takes a start, decided from the spec and what the runtime offers before any
 * state of the desktop is looked at. The checks, their order and their words are here, so that a
 * user reads the same refusal for the same mistake whichever runtime serves the cluster: the
 * desktop id, the cluster, a node named and known, the runtime's own checks, the runtime class, the
 * storage class, the size, and a desktop larger than its node ever offers. What depends on a
 * desktop's state (being deleted, restored from a snapshot, room on its node now) each runtime
 * decides after an accepted admission.
 *
 * <p>The first two checks are also a stop's and a delete's ({@link #admitDesktop}).
 */
public final class StartAdmission {
  static final String MISSING_ID = "desktop id is missing";

  /** What a runtime serves: the ids it can take and its clusters. */
  public interface Clusters {
    /** Why a desktop id that is present cannot be taken here, or empty when it can. */
    default Optional<String> invalidId(String desktopId) {
      return Optional.empty();
    }

    /** The cluster of that name, or empty when this runtime does not serve it. */
    Optional<Offer> cluster(String name);

    /** The refusal of a cluster this runtime does not serve (its words say what it serves). */
    String unknownCluster(String name);
  }

  /** What one cluster offers a start. */
  public interface Offer {
    /** The cluster's name, as the refusals say it. */
    String name();

    boolean hasNode(String node);

    /** What a node of the cluster could give one desktop if nothing else ran, if known. */
    Optional<NodeSize> allocatable(String node);

    Collection<String> runtimeClasses();

    Collection<String> storageClasses();

    /**
     * The runtime class a start runs on: the one it asks for, or this runtime's default for none;
     * null when the cluster's own default is used, which needs no check.
     */
    default String runtimeClass(String asked) {
      return asked;
    }

    /** The storage class of a start's home, like {@link #runtimeClass}: null needs no check. */
    default String storageClass(String asked) {
      return asked;
    }
  }

  /** A node's whole allocatable CPU and memory. */
  public record NodeSize(long cpuMillis, long memoryMiB) {}

  /** A runtime's own checks of a start, run once its node is known and before its classes. */
  @FunctionalInterface
  public interface OwnChecks {
    OwnChecks NONE = (spec, runtimeClass) -> Optional.empty();

    /**
     * Why the start is refused, or empty.
     *
     * @param runtimeClass what {@link Offer#runtimeClass} made of the one asked for
     */
    Optional<String> refusal(DesktopSpec spec, String runtimeClass);
  }

  /** Which sizes a runtime can run. */
  public enum Sizes {
    /** Any size that is not negative: zero CPU or memory means no limit, or no room taken. */
    NOT_NEGATIVE,
    /** At least 1m CPU and 1 MiB: the size is the desktop's whole share and bound. */
    SOME
  }

  private final Clusters clusters;
  private final Sizes sizes;
  private final OwnChecks ownChecks;

  public StartAdmission(Clusters clusters, Sizes sizes, OwnChecks ownChecks) {
    this.clusters = clusters;
    this.sizes = sizes;
    this.ownChecks = ownChecks;
  }

  /** A desktop id this runtime can take, in a cluster it serves: the admission of a stop. */
  public Admission admitDesktop(DesktopSpec spec) {
    return spec == null ? Admission.refuse(MISSING_ID) : admitDesktop(spec.cluster(), spec.id());
  }

  /** A desktop id this runtime can take, in a cluster it serves: the admission of a delete. */
  public Admission admitDesktop(String cluster, String desktopId) {
    if (desktopId == null || desktopId.isBlank()) {
      return Admission.refuse(MISSING_ID);
    }
    Optional<String> invalid = clusters.invalidId(desktopId);
    if (invalid.isPresent()) {
      return Admission.refuse(invalid.get());
    }
    if (cluster(cluster).isEmpty()) {
      return Admission.refuse(clusters.unknownCluster(cluster));
    }
    return Admission.accept();
  }

  /** A start: besides {@link #admitDesktop}, a node, classes and a size its cluster can run. */
  public Admission admitStart(DesktopSpec spec) {
    Admission common = admitDesktop(spec);
    if (!common.accepted()) {
      return common;
    }
    Offer offer = cluster(spec.cluster()).orElseThrow();
    String cluster = offer.name();
    if (spec.node() == null || spec.node().isBlank()) {
      return Admission.refuse(Refusals.namesNoNode(spec.id()));
    }
    if (!offer.hasNode(spec.node())) {
      return Admission.refuse(Refusals.noSuchNode(cluster, spec.node()));
    }
    String runtimeClass = offer.runtimeClass(spec.runtimeClass());
    Optional<String> own = ownChecks.refusal(spec, runtimeClass);
    if (own.isPresent()) {
      return Admission.refuse(own.get());
    }
    if (runtimeClass != null) {
      Collection<String> offered = offer.runtimeClasses();
      if (!offered.contains(runtimeClass)) {
        return Admission.refuse(Refusals.noRuntimeClass(cluster, runtimeClass, offered));
      }
    }
    String storageClass = offer.storageClass(spec.storageClass());
    if (storageClass != null) {
      Collection<String> offered = offer.storageClasses();
      if (!offered.contains(storageClass)) {
        return Admission.refuse(Refusals.noStorageClass(cluster, storageClass, offered));
      }
    }
    switch (sizes) {
      case NOT_NEGATIVE -> {
        if (spec.cpuMillis() < 0 || spec.memoryMiB() < 0) {
          return Admission.refuse(Refusals.negativeSize(spec.id()));
        }
      }
      case SOME -> {
        if (spec.cpuMillis() < 1 || spec.memoryMiB() < 1) {
          return Admission.refuse("desktop " + spec.id() + " must ask for some CPU and memory");
        }
      }
    }
    Optional<NodeSize> node = offer.allocatable(spec.node());
    if (node.isPresent()
        && (spec.cpuMillis() > node.get().cpuMillis()
            || spec.memoryMiB() > node.get().memoryMiB())) {
      return Admission.refuse(
          Refusals.neverFits(
              spec.id(),
              spec.node(),
              spec.cpuMillis(),
              spec.memoryMiB(),
              node.get().cpuMillis(),
              node.get().memoryMiB()));
    }
    return Admission.accept();
  }

  private Optional<Offer> cluster(String name) {
    return name == null ? Optional.empty() : clusters.cluster(name);
  }
}
