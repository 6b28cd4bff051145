package io.opencdi.loadtest.harness;

import java.nio.file.Path;

/**
 * What one load run starts and sends. Every value can be set as a system property {@code
 * loadtest.<name>} (the {@code ./opencdi loadtest} command and the Maven plugin pass them through);
 * each simulation supplies its own defaults.
 *
 * @param desktops desktops the simulation creates
 * @param gateways gateway processes sharing the database (1 or 2); the simulation alternates
 *     between them, which stands in for a round-robin load balancer
 * @param agents cluster agent processes sharing the fleet's clusters in turn (1-8), each linked to
 *     a gateway in turn: past about 9,000 display connections one process runs out of file
 *     descriptors (each connection takes two)
 * @param clusters simulated clusters of the fleet
 * @param nodesPerCluster nodes (node groups) per cluster
 * @param maxDesktopsPerNode desktop slots per node
 * @param users load users created for the run (besides the seeded admin)
 * @param rate target arrival rate of the open injection, per second
 * @param rampSeconds how long the rate ramps up from 1 to {@code rate}
 * @param profile whether the gateways record a JFR profile into the run directory
 * @param root the repository root (where the packaged gateway and agent are)
 * @param runDir where logs, the fleet file and profiles of this run go
 */
public record Settings(
    int desktops,
    int gateways,
    int agents,
    int clusters,
    int nodesPerCluster,
    int maxDesktopsPerNode,
    int users,
    double rate,
    int rampSeconds,
    boolean profile,
    Path root,
    Path runDir) {

  public Settings {
    if (gateways < 1 || gateways > 8) {
      throw new IllegalArgumentException("loadtest.gateways must be 1-8, was " + gateways);
    }
    if (agents < 1 || agents > 8 || agents > clusters) {
      throw new IllegalArgumentException(
          "loadtest.agents must be 1-8 and at most the clusters, was " + agents);
    }
    if (desktops < 1 || clusters < 1 || nodesPerCluster < 1 || users < 1 || rate <= 0) {
      throw new IllegalArgumentException(
          "loadtest.desktops, clusters, nodesPerCluster, users and rate must be positive");
    }
  }

  /** Settings from {@code loadtest.*} system properties over a simulation's defaults. */
  public static Settings fromSystemProperties(Settings defaults, String simulation) {
    Path root = Path.of(System.getProperty("loadtest.root", "..")).toAbsolutePath().normalize();
    Path target =
        Path.of(System.getProperty("loadtest.target", root.resolve("loadtest/target").toString()));
    Path runDir =
        target.resolve("runs").resolve(simulation + "-" + System.currentTimeMillis()).normalize();
    return new Settings(
        integer("desktops", defaults.desktops()),
        integer("gateways", defaults.gateways()),
        integer("agents", defaults.agents()),
        integer("clusters", defaults.clusters()),
        integer("nodesPerCluster", defaults.nodesPerCluster()),
        integer("maxDesktopsPerNode", defaults.maxDesktopsPerNode()),
        integer("users", defaults.users()),
        Double.parseDouble(System.getProperty("loadtest.rate", String.valueOf(defaults.rate()))),
        integer("rampSeconds", defaults.rampSeconds()),
        Boolean.parseBoolean(
            System.getProperty("loadtest.profile", String.valueOf(defaults.profile()))),
        root,
        runDir);
  }

  /** Defaults of a simulation; root and run directory come from the system properties. */
  public static Settings defaults(
      int desktops,
      int clusters,
      int nodesPerCluster,
      int maxDesktopsPerNode,
      int users,
      double rate,
      int rampSeconds) {
    return new Settings(
        desktops,
        1,
        1,
        clusters,
        nodesPerCluster,
        maxDesktopsPerNode,
        users,
        rate,
        rampSeconds,
        false,
        Path.of("."),
        Path.of("."));
  }

  /** Desktop slots of the whole fleet. */
  public long fleetSlots() {
    return (long) clusters * nodesPerCluster * maxDesktopsPerNode;
  }

  private static int integer(String name, int fallback) {
    return Integer.parseInt(System.getProperty("loadtest." + name, String.valueOf(fallback)));
  }
}
