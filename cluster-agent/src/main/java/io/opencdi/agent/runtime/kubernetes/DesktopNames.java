package io.opencdi.agent.runtime.kubernetes;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names and labels of the objects made for a desktop. The Desktop is named {@code desktop-<id>}
 * (Service names must start with a letter; the gateway's ids are UUIDs), and every derived name
 * must stay a DNS label of at most 63 characters.
 */
public final class DesktopNames {
  public static final String PREFIX = "desktop-";

  /** Label on every object made for a desktop: the Desktop's name. */
  public static final String DESKTOP_LABEL = "opencdi.io/desktop";

  /** Annotation with the owning user (user names need not be valid label values). */
  public static final String OWNER_ANNOTATION = "opencdi.io/owner";

  /** Finalizer that lets the agent delete the home volume last. */
  public static final String FINALIZER = "opencdi.io/cleanup";

  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "opencdi-agent";

  private static final Pattern ID = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final int MAX_ID = 63 - PREFIX.length() - "-display".length();

  private DesktopNames() {}

  /** Why {@code desktopId} cannot name Kubernetes objects, or empty when it can. */
  public static Optional<String> invalidId(String desktopId) {
    if (desktopId == null || desktopId.isBlank()) {
      return Optional.of("desktop id is missing");
    }
    if (desktopId.length() > MAX_ID || !ID.matcher(desktopId).matches()) {
      return Optional.of(
          "desktop id "
              + desktopId
              + " cannot name Kubernetes objects: it must be lower-case letters, digits and '-',"
              + " at most "
              + MAX_ID
              + " characters");
    }
    return Optional.empty();
  }

  /** Name of the Desktop (and its Pod and Service). */
  public static String desktop(String desktopId) {
    return PREFIX + desktopId;
  }

  /** Default name of the home PersistentVolumeClaim. */
  public static String homeClaim(String desktopName) {
    return desktopName + "-home";
  }

  /** Annotation on a DesktopSnapshot with the gateway's snapshot id. */
  public static final String SNAPSHOT_ID_ANNOTATION = "opencdi.io/snapshot-id";

  /** Annotation on a DesktopSnapshot with the gateway's id of the desktop it copies. */
  public static final String DESKTOP_ID_ANNOTATION = "opencdi.io/desktop-id";

  /** Name of the DesktopSnapshot (and its VolumeSnapshot) for a gateway snapshot id. */
  public static String snapshot(String snapshotId) {
    return "snapshot-" + snapshotId;
  }

  /** Name of the display NetworkPolicy. */
  public static String networkPolicy(String desktopName) {
    return desktopName + "-display";
  }
}
