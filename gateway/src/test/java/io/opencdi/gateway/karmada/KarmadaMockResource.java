package io.opencdi.gateway.karmada;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link KarmadaMock} before the gateway and switches the karmada backend on against it,
 * through the gateway's own configuration keys, as an operator would.
 */
public class KarmadaMockResource implements QuarkusTestResourceLifecycleManager {
  private static volatile KarmadaMock karmada;

  @Override
  public Map<String, String> start() {
    karmada = new KarmadaMock();
    return Map.of(
        "opencdi.karmada.enabled", "true",
        "opencdi.karmada.api-server", karmada.url(),
        "opencdi.karmada.namespace", KarmadaMock.NS,
        "opencdi.karmada.request-timeout", "PT3S",
        "opencdi.karmada.resync", "PT1S");
  }

  @Override
  public void stop() {
    if (karmada != null) {
      karmada.close();
    }
  }

  static KarmadaMock karmada() {
    return karmada;
  }
}
