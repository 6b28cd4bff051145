package io.opencdi.testing.kubernetes;

import java.util.List;

/**
 * A node of a {@link MemberCluster}: its name, architecture, topology, allocatable CPU, memory and
 * Pods, whether it is cordoned and which images it has pulled.
 */
public record NodeSpec(
    String name,
    String arch,
    String region,
    String zone,
    String cpu,
    String memory,
    int pods,
    boolean cordoned,
    List<String> images) {
  public NodeSpec {
    images = List.copyOf(images);
  }

  /** An amd64 node in eu-west-1b, schedulable, with no image pulled. */
  public static NodeSpec of(String name, String cpu, String memory, int pods) {
    return new NodeSpec(
        name, "amd64", "eu-west", "eu-west-1b", cpu, memory, pods, false, List.of());
  }

  public NodeSpec arch(String arch) {
    return new NodeSpec(name, arch, region, zone, cpu, memory, pods, cordoned, images);
  }

  public NodeSpec in(String region, String zone) {
    return new NodeSpec(name, arch, region, zone, cpu, memory, pods, cordoned, images);
  }

  /** As {@code kubectl cordon} leaves it, or not. */
  public NodeSpec cordoned(boolean cordoned) {
    return new NodeSpec(name, arch, region, zone, cpu, memory, pods, cordoned, images);
  }

  public NodeSpec images(String... images) {
    return new NodeSpec(name, arch, region, zone, cpu, memory, pods, cordoned, List.of(images));
  }
}
