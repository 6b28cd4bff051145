package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Builds the {@code kubernetes} runtime from the agent's configuration. A bean only so that its
 * configuration mapping is registered and injected; the producer looks it up when the runtime is
 * chosen.
 */
@Singleton
@Unremovable
public class KubernetesRuntimeFactory {
  /** Requests from the agent say so in the API server's audit log. */
  public static final String USER_AGENT = "opencdi-agent";

  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

  private final KubernetesRuntimeConfig config;

  KubernetesRuntimeFactory(KubernetesRuntimeConfig config) {
    this.config = config;
  }

  /**
   * Connects to the cluster the usual way — the in-cluster service account when the agent runs in a
   * Pod, else {@code KUBECONFIG} or {@code ~/.kube/config} (current context) — and starts the
   * runtime once its caches are filled.
   *
   * @throws IllegalArgumentException when a setting is missing or invalid
   * @throws IllegalStateException when the API server cannot be listed
   */
  public static KubernetesRuntime create() {
    return CDI.current().select(KubernetesRuntimeFactory.class).get().build();
  }

  KubernetesRuntime build() {
    KubernetesSettings settings = this.config.settings();
    Config config = new ConfigBuilder(Config.autoConfigure(null)).withUserAgent(USER_AGENT).build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    try {
      return new KubernetesRuntime(client, settings, true).start(SYNC_TIMEOUT);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }
}
