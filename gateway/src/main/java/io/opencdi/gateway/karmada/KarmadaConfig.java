package io.opencdi.gateway.karmada;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The karmada placement backend (docs/karmada.md). Credentials are never in this configuration
 * itself: it names files (a kubeconfig or a token mounted from a Secret).
 */
@ConfigMapping(prefix = "opencdi.karmada")
public interface KarmadaConfig {
  /** Reads member clusters from Karmada and propagates their desktops through it. */
  @WithDefault("false")
  boolean enabled();

  /** A kubeconfig file for the Karmada API server (its current context unless {@code context}). */
  Optional<String> kubeconfig();

  /** The kubeconfig context to use. */
  Optional<String> context();

  /** URL of the Karmada API server; overrides the kubeconfig's. */
  Optional<String> apiServer();

  /** A file holding the bearer token (a Secret or projected token); read at start-up. */
  Optional<String> tokenFile();

  /** A PEM file with the CA that signed the Karmada API server's certificate. */
  Optional<String> caFile();

  /** Namespace on the Karmada API server of the Desktops and their PropagationPolicies. */
  @WithDefault("opencdi-desktops")
  String namespace();

  /**
   * How long one call to the Karmada API server may take. Commands are applied inside the desktop's
   * transaction, so this bounds how long a mutation can wait for Karmada.
   */
  @WithDefault("PT5S")
  Duration requestTimeout();

  /**
   * How often the informers replay their cache. Each replay refreshes the clusters' heartbeat while
   * the watch on Karmada is alive, so placement drops Karmada's clusters when the gateway has lost
   * Karmada for longer than {@code opencdi.placement.heartbeat-timeout}.
   */
  @WithDefault("PT10S")
  Duration resync();

  /**
   * Architecture of a cluster whose Cluster object has no {@code kubernetes.io/arch} label (Karmada
   * does not report architectures).
   */
  @WithDefault("amd64")
  String defaultArchitecture();

  /**
   * Runtime classes of a cluster whose Cluster object has no {@code opencdi.io/runtime-classes}
   * annotation (Karmada does not report them).
   */
  @WithDefault("runc")
  List<String> defaultRuntimeClasses();

  /** Storage classes of a cluster without the {@code opencdi.io/storage-classes} annotation. */
  @WithDefault("longhorn")
  List<String> defaultStorageClasses();
}
