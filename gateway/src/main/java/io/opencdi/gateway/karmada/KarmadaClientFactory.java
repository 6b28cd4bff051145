package io.opencdi.gateway.karmada;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the client for the Karmada API server from {@link KarmadaConfig}. */
final class KarmadaClientFactory {
  /** Sent as User-Agent, so the Karmada API server's audit log names the gateway. */
  static final String USER_AGENT = "opencdi-gateway/karmada";

  private KarmadaClientFactory() {}

  static KubernetesClient create(KarmadaConfig config) {
    Config base =
        config
            .kubeconfig()
            .map(path -> Config.fromKubeconfig(config.context().orElse(null), new File(path)))
            .orElseGet(Config::empty);
    ConfigBuilder b = new ConfigBuilder(base);
    config.apiServer().ifPresent(b::withMasterUrl);
    config.caFile().ifPresent(b::withCaCertFile);
    config.tokenFile().ifPresent(f -> b.withOauthToken(read(f)));
    if (config.kubeconfig().isEmpty() && config.apiServer().isEmpty()) {
      throw new IllegalStateException(
          "opencdi.karmada.enabled=true needs opencdi.karmada.kubeconfig or"
              + " opencdi.karmada.api-server");
    }
    int timeout = (int) config.requestTimeout().toMillis();
    Config built =
        b.withNamespace(config.namespace())
            .withUserAgent(USER_AGENT)
            .withRequestTimeout(timeout)
            .withConnectionTimeout(timeout)
            // A command waits inside the desktop's transaction: fail fast, the user may retry.
            .withRequestRetryBackoffLimit(0)
            .withWatchReconnectInterval(1000)
            .build();
    return new KubernetesClientBuilder().withConfig(built).build();
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read opencdi.karmada.token-file " + file, e);
    }
  }
}
