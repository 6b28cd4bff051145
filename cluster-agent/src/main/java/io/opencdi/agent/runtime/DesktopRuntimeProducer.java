package io.opencdi.agent.runtime;

import io.opencdi.agent.runtime.kubernetes.KubernetesRuntime;
import io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeFactory;
import io.opencdi.agent.runtime.local.LocalRuntime;
import io.opencdi.agent.runtime.local.LocalSettings;
import io.opencdi.agent.runtime.simulated.FleetFile;
import io.opencdi.agent.runtime.simulated.Latencies;
import io.opencdi.agent.runtime.simulated.SimulatedRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/** Chooses the {@link DesktopRuntime}(s) named by {@code opencdi.agent.runtime}. */
@ApplicationScoped
public class DesktopRuntimeProducer {
  private static final Logger LOG = Logger.getLogger(DesktopRuntimeProducer.class);

  @Produces
  @Singleton
  DesktopRuntime runtime(RuntimeConfig config) {
    return create(config);
  }

  void close(@Disposes DesktopRuntime runtime) {
    runtime.close();
  }

  /**
   * Builds the configured runtime, or a {@link CompositeRuntime} of several when {@code
   * opencdi.agent.runtime} lists more than one.
   *
   * @throws IllegalStateException naming the bad value when a runtime is not supported
   */
  static DesktopRuntime create(RuntimeConfig config) {
    List<String> kinds =
        Arrays.stream(config.runtime().split(","))
            .map(String::trim)
            .filter(k -> !k.isEmpty())
            .distinct()
            .toList();
    List<DesktopRuntime> runtimes = new ArrayList<>();
    try {
      for (String kind : kinds) {
        runtimes.add(createOne(kind, config));
      }
      if (runtimes.isEmpty()) {
        runtimes.add(createOne("", config));
      }
      return runtimes.size() == 1 ? runtimes.get(0) : new CompositeRuntime(runtimes);
    } catch (RuntimeException e) {
      runtimes.forEach(DesktopRuntime::close);
      throw e;
    }
  }

  private static DesktopRuntime createOne(String kind, RuntimeConfig config) {
    if (SimulatedRuntime.KIND.equals(kind)) {
      var fleet = FleetFile.load(config.fleetFile());
      LOG.infof(
          "simulated fleet from %s: %d clusters, %d nodes",
          config.fleetFile().map(Object::toString).orElse(FleetFile.DEFAULT_RESOURCE),
          fleet.clusters().size(),
          fleet.nodeCount());
      SimulatedRuntime simulated =
          new SimulatedRuntime(
              fleet, Latencies.from(config.simulated()), sharedDisplays(config.simulated()));
      config.simulated().liveDelays().forEach(simulated::setLiveDelay);
      return simulated;
    }
    if (LocalRuntime.KIND.equals(kind)) {
      return new LocalRuntime(LocalSettings.from(config.local()));
    }
    if (KubernetesRuntime.KIND.equals(kind)) {
      return KubernetesRuntimeFactory.create();
    }
    throw new IllegalStateException(
        "opencdi.agent.runtime="
            + kind
            + " is not supported by this build; use opencdi.agent.runtime=simulated, local or"
            + " kubernetes,"
            + " or a comma-separated list of them (see docs/adr/0003-agent-runtime-seam.md)");
  }

  /** {@code opencdi.agent.simulated.shared-displays.<cluster>=host:port}, parsed. */
  static Map<String, DisplayEndpoint> sharedDisplays(RuntimeConfig.Simulated config) {
    Map<String, DisplayEndpoint> displays = new HashMap<>();
    config
        .sharedDisplays()
        .forEach(
            (cluster, address) -> {
              int colon = address.lastIndexOf(':');
              try {
                displays.put(
                    cluster,
                    new DisplayEndpoint(
                        address.substring(0, Math.max(colon, 0)).strip(),
                        Integer.parseInt(address.substring(colon + 1).strip())));
              } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                    "opencdi.agent.simulated.shared-displays."
                        + cluster
                        + " must be host:port, got "
                        + address,
                    e);
              }
            });
    return displays;
  }
}
