package io.opencdi.protocol;

import java.util.List;

/**
 * Desired state of one desktop, as the gateway placed it.
 *
 * @param id desktop id
 * @param name display name
 * @param owner owning user name
 * @param cluster cluster chosen by placement
 * @param node node (group) chosen by placement
 * @param image desktop image
 * @param cpuMillis CPU request (= limit)
 * @param memoryMiB memory request (= limit)
 * @param runtimeClass isolation runtime class ({@code runc}, {@code gvisor}, {@code kata})
 * @param storageClass storage class of the home volume
 * @param homeVolumeGiB size of the home volume
 * @param power whether it should run
 * @param restoreFrom the id of a snapshot (in the same cluster) whose copy becomes the home volume
 *     when the volume is first created; null for an empty home. Later commands keep naming it, and
 *     an existing volume is never overwritten.
 * @param layers application layers composed over {@code image}, lowest first; never null
 */
public record DesktopSpec(
    String id,
    String name,
    String owner,
    String cluster,
    String node,
    String image,
    long cpuMillis,
    long memoryMiB,
    String runtimeClass,
    String storageClass,
    int homeVolumeGiB,
    Power power,
    String restoreFrom,
    List<AppLayer> layers) {

  public DesktopSpec {
    layers = layers == null ? List.of() : List.copyOf(layers);
  }

  /** A desktop without application layers. */
  public DesktopSpec(
      String id,
      String name,
      String owner,
      String cluster,
      String node,
      String image,
      long cpuMillis,
      long memoryMiB,
      String runtimeClass,
      String storageClass,
      int homeVolumeGiB,
      Power power,
      String restoreFrom) {
    this(
        id,
        name,
        owner,
        cluster,
        node,
        image,
        cpuMillis,
        memoryMiB,
        runtimeClass,
        storageClass,
        homeVolumeGiB,
        power,
        restoreFrom,
        List.of());
  }

  /** A desktop with a fresh, empty home volume. */
  public DesktopSpec(
      String id,
      String name,
      String owner,
      String cluster,
      String node,
      String image,
      long cpuMillis,
      long memoryMiB,
      String runtimeClass,
      String storageClass,
      int homeVolumeGiB,
      Power power) {
    this(
        id,
        name,
        owner,
        cluster,
        node,
        image,
        cpuMillis,
        memoryMiB,
        runtimeClass,
        storageClass,
        homeVolumeGiB,
        power,
        null,
        List.of());
  }

  /** The same desktop with {@code value} as its layers. */
  public DesktopSpec withLayers(List<AppLayer> value) {
    return new DesktopSpec(
        id,
        name,
        owner,
        cluster,
        node,
        image,
        cpuMillis,
        memoryMiB,
        runtimeClass,
        storageClass,
        homeVolumeGiB,
        power,
        restoreFrom,
        value);
  }
}
