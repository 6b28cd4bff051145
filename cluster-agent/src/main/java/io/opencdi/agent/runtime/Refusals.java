package io.opencdi.agent.runtime;

import java.util.Collection;

/**
 * The words of the refusals that every runtime gives for the same reason, so that the gateway and
 * its users read one text whichever runtime serves a cluster. The order of a start's checks is
 * {@link StartAdmission}'s, with each runtime's rules (what a node is, what sizes it takes); these
 * only say why.
 */
public final class Refusals {
  private Refusals() {}

  /** A start that names no node: placement is the gateway's. */
  public static String namesNoNode(String desktopId) {
    return "desktop " + desktopId + " names no node; the gateway must place it on a node";
  }

  public static String noSuchNode(String cluster, String node) {
    return "cluster " + cluster + " has no node " + node;
  }

  public static String noRuntimeClass(String cluster, String runtimeClass, Collection<String> has) {
    return "cluster "
        + cluster
        + " has no runtime class "
        + runtimeClass
        + " (it has "
        + String.join(", ", has)
        + ")";
  }

  public static String noStorageClass(String cluster, String storageClass, Collection<String> has) {
    return "cluster "
        + cluster
        + " has no storage class "
        + storageClass
        + " (it has "
        + String.join(", ", has)
        + ")";
  }

  public static String negativeSize(String desktopId) {
    return "desktop " + desktopId + " asks for negative CPU or memory";
  }

  /** A desktop larger than its node's whole capacity: no waiting makes room for it. */
  public static String neverFits(
      String desktopId,
      String node,
      long cpuMillis,
      long memoryMiB,
      long nodeCpuMillis,
      long nodeMemoryMiB) {
    return "desktop "
        + desktopId
        + " would not fit on node "
        + node
        + " even when it is empty: it needs "
        + cpuMillis
        + "m CPU and "
        + memoryMiB
        + " MiB, the node has "
        + nodeCpuMillis
        + "m and "
        + nodeMemoryMiB
        + " MiB";
  }

  /**
   * A desktop that does not fit on its node now: what it needs and what the node has free, so that
   * the user sees whether to wait or to ask for less.
   */
  public static String noRoom(
      String node,
      String desktopId,
      long cpuMillis,
      long memoryMiB,
      long freeCpuMillis,
      long freeMemoryMiB,
      long freeSlots) {
    return "node "
        + node
        + " has no room for desktop "
        + desktopId
        + ": it needs "
        + cpuMillis
        + "m CPU and "
        + memoryMiB
        + " MiB, the node has "
        + freeCpuMillis
        + "m and "
        + freeMemoryMiB
        + " MiB free and "
        + freeSlots
        + " desktop slots";
  }

  /** A command for a desktop whose deletion is under way. */
  public static String beingDeleted(String desktopId) {
    return "desktop " + desktopId + " is being deleted";
  }
}
