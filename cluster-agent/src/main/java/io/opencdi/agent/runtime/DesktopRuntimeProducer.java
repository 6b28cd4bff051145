package io.opencdi.agent.runtime;

import io.opencdi.agent.runtime.kubernetes.KubernetesRuntime;
import io.opencdi.agent.runtime.kubernetes.KubernetesRuntimeFactory;
import io.opencdi.agent.runtime.simulated.FleetFile;
import io.opencdi.agent.runtime.simulated.Latencies;
import io.opencdi.agent.runtime.simulated.SimulatedRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Chooses the {@link DesktopRuntime} named by {@code opencdi.agent.runtime}. */
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
   * Builds the configured runtime.
   *
   * @throws IllegalStateException naming the bad value when the runtime is not supported
   */
  static DesktopRuntime create(RuntimeConfig config) {
    String kind = config.runtime().trim();
    if (SimulatedRuntime.KIND.equals(kind)) {
      var fleet = FleetFile.load(config.fleetFile());
      LOG.infof(
          "simulated fleet from %s: %d clusters, %d nodes",
          config.fleetFile().map(Object::toString).orElse(FleetFile.DEFAULT_RESOURCE),
          fleet.clusters().size(),
          fleet.nodeCount());
      return new SimulatedRuntime(fleet, Latencies.from(config.simulated()));
    }
    if (KubernetesRuntime.KIND.equals(kind)) {
      return KubernetesRuntimeFactory.create();
    }
    throw new IllegalStateException(
        "opencdi.agent.runtime="
            + kind
            + " is not supported by this build; use opencdi.agent.runtime=simulated or kubernetes"
            + " (the local runtime is planned,"
            + " see docs/adr/0003-agent-runtime-seam.md)");
  }
}
