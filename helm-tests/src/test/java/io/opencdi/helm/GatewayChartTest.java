package io.opencdi.helm;

import static io.opencdi.helm.Charts.GATEWAY;
import static io.opencdi.helm.PodChecks.assertHardened;
import static io.opencdi.helm.PodChecks.assertHttpProbe;
import static io.opencdi.helm.PodChecks.assertImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GatewayChartTest {
  private static final String MINIMAL = "examples/values-minimal.yaml";
  private static final String PRODUCTION = "examples/values-production.yaml";
  private static final String GATEWAY_API = "examples/values-gateway-api.yaml";

  @ParameterizedTest
  @ValueSource(strings = {"", MINIMAL, PRODUCTION, GATEWAY_API})
  void lintsWithoutErrorsOrWarnings(String valuesFile) {
    var result = Charts.lint(GATEWAY, valuesFile.isEmpty() ? null : valuesFile);
    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void theDefaultsAloneRefuseToRenderAndSayWhatIsMissing() {
    // Without a database URL the gateway would start its embedded PostgreSQL in every replica.
    assertThatThrownBy(() -> Charts.render(GATEWAY))
        .hasMessageContaining("database.url is required");
  }

  @Test
  void minimalInstallRunsHardenedReplicasWithProbesAndSecretsByReference() {
    var r = Charts.render(GATEWAY, MINIMAL);
    Deployment deployment = r.one(Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();

    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    assertHardened(pod);
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    Container gateway = pod.getContainers().get(0);
    assertImage(gateway, "ghcr.io/opencdi/gateway:0.1.0");
    assertHttpProbe(gateway.getStartupProbe(), "/q/health/started", "http");
    assertHttpProbe(gateway.getLivenessProbe(), "/q/health/live", "http");
    assertHttpProbe(gateway.getReadinessProbe(), "/q/health/ready", "http");
    assertThat(gateway.getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
    assertThat(gateway.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));

    assertThat(secretRef(gateway, "QUARKUS_DATASOURCE_USERNAME")).isEqualTo("opencdi-db/username");
    assertThat(secretRef(gateway, "QUARKUS_DATASOURCE_PASSWORD")).isEqualTo("opencdi-db/password");
    assertThat(secretRef(gateway, "OPENCDI_AGENTS_BOOTSTRAP_TOKEN"))
        .isEqualTo("opencdi-gateway-agent-bootstrap/token");

    Map<String, String> config = r.one(ConfigMap.class).getData();
    assertThat(config)
        .containsEntry(
            "QUARKUS_DATASOURCE_REACTIVE_URL",
            "postgresql://postgres.databases.svc:5432/opencdi?sslmode=require")
        .containsEntry(
            "QUARKUS_DATASOURCE_JDBC_URL",
            "jdbc:postgresql://postgres.databases.svc:5432/opencdi?sslmode=require")
        .containsEntry("OPENCDI_AUTH_BUILT_IN_USERS", "false")
        .containsEntry("OPENCDI_AUTH_ISSUER", "https://keycloak.example.com/realms/opencdi")
        .containsEntry(
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION",
            "https://keycloak.example.com/realms/opencdi/protocol/openid-connect/certs")
        .containsEntry("SMALLRYE_JWT_PATH_GROUPS", "realm_access/roles")
        .containsEntry("OPENCDI_AGENTS_BOOTSTRAP_AGENT_NAME", "bootstrap");
    assertThat(config.keySet()).noneMatch(k -> k.contains("PASSWORD") || k.contains("TOKEN"));

    assertThat(r.one(PodDisruptionBudget.class).getSpec().getMaxUnavailable().getIntVal())
        .isEqualTo(1);
    assertThat(r.all(HorizontalPodAutoscaler.class)).isEmpty();
    assertThat(r.all(Ingress.class)).isEmpty();
    assertThat(r.all(HTTPRoute.class)).isEmpty();
    assertThat(r.ofKind("Cluster")).isEmpty();

    Service service = r.one(Service.class);
    assertThat(service.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(pod.getServiceAccountName())
        .isEqualTo(r.one(ServiceAccount.class).getMetadata().getName());
    assertThat(r.one(ServiceAccount.class).getAutomountServiceAccountToken()).isFalse();
    // The gateway has no Kubernetes API access at all.
    assertThat(r.ofKind("Role")).isEmpty();
    assertThat(r.ofKind("ClusterRole")).isEmpty();
    assertThat(r.all(RoleBinding.class)).isEmpty();
    assertThat(r.all(ClusterRoleBinding.class)).isEmpty();

    NetworkPolicy policy = r.one(NetworkPolicy.class);
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            i ->
                assertThat(i.getPorts())
                    .singleElement()
                    .satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("http")));
  }

  @Test
  void theBootstrapTokenIsGeneratedNotTakenFromValues() {
    String first = bootstrapToken(Charts.render(GATEWAY, MINIMAL));
    String second = bootstrapToken(Charts.render(GATEWAY, MINIMAL));
    assertThat(first).matches("[A-Za-z0-9]{48}");
    // No earlier install holds the Secret, so each render draws a new token.
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void anUpgradeKeepsTheBootstrapTokenAnAgentAlreadyUses() {
    String installed = "kept-from-the-first-install-0123456789abcdefghij";
    var existing =
        new io.fabric8.kubernetes.api.model.SecretBuilder()
            .withNewMetadata()
            .withName("opencdi-gateway-agent-bootstrap")
            .withNamespace(Charts.NAMESPACE)
            .endMetadata()
            .addToData(
                "token",
                Base64.getEncoder().encodeToString(installed.getBytes(StandardCharsets.UTF_8)))
            .build();
    ApiServer.CLIENT.resource(existing).create();
    try {
      assertThat(bootstrapToken(Charts.render(GATEWAY, MINIMAL))).isEqualTo(installed);
    } finally {
      ApiServer.CLIENT.resource(existing).delete();
    }
  }

  @Test
  void productionRunsAutoscaledWithCloudNativePgIngressAndRestrictedEgress() {
    var r = Charts.render(GATEWAY, PRODUCTION);
    Deployment deployment = r.one(Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    Container gateway = pod.getContainers().get(0);

    assertHardened(pod);
    assertImage(gateway, "registry.example.com/opencdi/gateway:0.1.0");
    // The HPA owns the replica count.
    assertThat(deployment.getSpec().getReplicas()).isNull();
    var hpa = r.one(HorizontalPodAutoscaler.class).getSpec();
    assertThat(hpa.getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
    assertThat(hpa.getMinReplicas()).isEqualTo(3);
    assertThat(hpa.getMaxReplicas()).isEqualTo(10);
    assertThat(r.all(PodDisruptionBudget.class)).hasSize(1);

    GenericKubernetesResource cluster = (GenericKubernetesResource) r.ofKind("Cluster").get(0);
    assertThat(cluster.getApiVersion()).isEqualTo("postgresql.cnpg.io/v1");
    assertThat(cluster.getMetadata().getName()).isEqualTo("opencdi-gateway-db");
    assertThat(cluster.<Integer>get("spec", "instances")).isEqualTo(3);
    assertThat(cluster.<String>get("spec", "storage", "storageClass")).isEqualTo("longhorn");
    assertThat(cluster.<String>get("spec", "bootstrap", "initdb", "owner")).isEqualTo("opencdi");
    assertThat(cluster.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
    assertThat(r.one(ConfigMap.class).getData())
        .containsEntry(
            "QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://opencdi-gateway-db-rw:5432/opencdi");
    // CloudNativePG writes the owner's credentials into <cluster>-app.
    assertThat(secretRef(gateway, "QUARKUS_DATASOURCE_PASSWORD"))
        .isEqualTo("opencdi-gateway-db-app/password");

    // A supplied bootstrap Secret: nothing is generated.
    assertThat(r.all(Secret.class)).isEmpty();
    assertThat(secretRef(gateway, "OPENCDI_AGENTS_BOOTSTRAP_TOKEN"))
        .isEqualTo("opencdi-agent-bootstrap/token");

    Ingress ingress = r.one(Ingress.class);
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getSpec().getTls())
        .singleElement()
        .satisfies(
            tls -> {
              assertThat(tls.getHosts()).containsExactly("desktops.example.com");
              assertThat(tls.getSecretName()).isEqualTo("desktops-example-com-tls");
            });
    assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("desktops.example.com");
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600");

    var policy = r.one(NetworkPolicy.class).getSpec();
    assertThat(policy.getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(policy.getIngress().get(0).getFrom()).hasSize(1);
    assertThat(policy.getEgress())
        .anySatisfy(
            e -> {
              assertThat(e.getPorts().get(0).getPort().getIntVal()).isEqualTo(5432);
              assertThat(e.getTo()).isNotEmpty();
              assertThat(e.getTo().get(0).getPodSelector().getMatchLabels())
                  .containsEntry("cnpg.io/cluster", "opencdi-gateway-db");
            });
  }

  @Test
  void gatewayApiRouteAndImageDigest() {
    var r = Charts.render(GATEWAY, GATEWAY_API);
    HTTPRoute route = r.one(HTTPRoute.class);
    assertThat(route.getSpec().getHostnames()).containsExactly("desktops.example.com");
    assertThat(route.getSpec().getParentRefs())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("public");
              assertThat(p.getSectionName()).isEqualTo("https");
            });
    var backend = route.getSpec().getRules().get(0).getBackendRefs().get(0);
    assertThat(backend.getName()).isEqualTo(r.one(Service.class).getMetadata().getName());
    assertThat(backend.getPort()).isEqualTo(8080);
    assertThat(r.all(Ingress.class)).isEmpty();

    Container gateway =
        r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertImage(
        gateway,
        "ghcr.io/opencdi/gateway@sha256:4f1c9b8e0d2a7c6b5e4f3a2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a19081");
    assertThat(r.one(ConfigMap.class).getData())
        .containsEntry(
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION",
            "https://sso.example.com/realms/desktops/protocol/openid-connect/certs");
    assertThat(r.one(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void oneReplicaHasNoDisruptionBudgetThatWouldBlockEveryDrain() {
    var r = Charts.render(GATEWAY, List.of(MINIMAL), Map.of("replicaCount", 1));
    assertThat(r.all(PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void mistakesAreRefusedWithAMessage() {
    assertRefused(Map.of("image.tag", "latest"), "not latest");
    assertRefused(Map.of("image.digest", "md5:abc"), "image.digest must start with sha256:");
    assertRefused(
        Map.of("database.url", "postgresql://opencdi:hunter2@db:5432/opencdi"),
        "must not carry credentials");
    assertRefused(
        Map.of("database.url", "jdbc:postgresql://db/opencdi"), "must start with postgresql://");
    assertRefused(Map.of("database.existingSecret", ""), "database.existingSecret is required");
    assertRefused(Map.of("auth.oidc.issuer", ""), "auth.oidc.issuer is required");
    assertRefused(Map.of("auth.oidc.audience", ""), "auth.oidc.audience is required");
    assertRefused(
        Map.of(
            "ingress.enabled",
            true,
            "ingress.tls.secretName",
            "tls",
            "publicUrl",
            "http://desktops.example.com"),
        "publicUrl must be an https URL");
    assertRefused(Map.of("ingress.enabled", true), "ingress.tls.secretName is required");
    assertRefused(Map.of("httpRoute.enabled", true), "httpRoute.parentRefs is required");
    assertRefused(
        Map.of(
            "autoscaling.enabled",
            true,
            "autoscaling.minReplicas",
            5,
            "autoscaling.maxReplicas",
            2),
        "must not exceed");
  }

  @Test
  void theValuesSchemaRefusesUnknownKeysAndWrongTypes() {
    // A misspelt key would otherwise be ignored silently, and the install would differ from
    // what the operator wrote.
    assertRefused(Map.of("ingres.enabled", true), "ingres");
    assertRefused(Map.of("database.existingsecret", "db"), "existingsecret");
    assertRefused(Map.of("replicaCount", 0), "replicaCount");
    assertRefused(Map.of("service.type", "Ingress"), "service.type");
  }

  private static void assertRefused(Map<String, Object> sets, String message) {
    assertThatThrownBy(() -> Charts.template(GATEWAY, List.of(MINIMAL), sets))
        .as("%s", sets)
        .hasMessageContaining(message);
  }

  private static String bootstrapToken(Charts.Rendered r) {
    Secret secret = r.one(Secret.class);
    assertThat(secret.getMetadata().getName()).isEqualTo("opencdi-gateway-agent-bootstrap");
    assertThat(secret.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");
    return new String(
        Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
  }

  private static String secretRef(Container c, String env) {
    EnvVar var =
        c.getEnv().stream()
            .filter(e -> e.getName().equals(env))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no env " + env));
    assertThat(var.getValue()).as("%s must not be a literal", env).isNull();
    var ref = var.getValueFrom().getSecretKeyRef();
    return ref.getName() + "/" + ref.getKey();
  }
}
