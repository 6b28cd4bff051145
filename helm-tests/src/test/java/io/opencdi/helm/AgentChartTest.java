package io.opencdi.helm;

import static io.opencdi.helm.Charts.AGENT;
import static io.opencdi.helm.PodChecks.assertHardened;
import static io.opencdi.helm.PodChecks.assertHttpProbe;
import static io.opencdi.helm.PodChecks.assertImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentChartTest {
  private static final String MEMBER = "examples/values-member.yaml";
  private static final String SANDBOXED = "examples/values-sandboxed.yaml";
  private static final String KARMADA_MEMBER = "examples/values-karmada-member.yaml";

  @ParameterizedTest
  @ValueSource(strings = {"", MEMBER, SANDBOXED, KARMADA_MEMBER})
  void lintsWithoutErrorsOrWarnings(String valuesFile) {
    var result = Charts.lint(AGENT, valuesFile.isEmpty() ? null : valuesFile);
    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void aKarmadaMembersAgentServesTunnelsOnly() {
    Map<String, String> tunnelOnly = agentEnv(KARMADA_MEMBER);
    assertThat(tunnelOnly)
        .containsEntry("OPENCDI_AGENT_TUNNEL_ONLY", "true")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_CLUSTER_NAME", "kmd-fra");
    Map<String, String> full = agentEnv(MEMBER);
    assertThat(full).doesNotContainKey("OPENCDI_AGENT_TUNNEL_ONLY");
  }

  @Test
  void theDefaultsAloneRefuseToRenderAndSayWhatIsMissing() {
    assertThatThrownBy(() -> Charts.render(AGENT)).hasMessageContaining("gatewayUrl is required");
  }

  @Test
  void oneHardenedAgentWithTheKubernetesRuntimeAndItsTokenFromASecret() {
    var r = Charts.render(AGENT, MEMBER);
    Deployment deployment = r.one(Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    Container agent = pod.getContainers().get(0);

    // Two agents would reconcile the same Desktops: never more than one, also during upgrades.
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertHardened(pod);
    assertImage(agent, "ghcr.io/opencdi/cluster-agent:0.1.0");
    assertHttpProbe(agent.getStartupProbe(), "/q/health/started", "health");
    assertHttpProbe(agent.getLivenessProbe(), "/q/health/live", "health");
    assertHttpProbe(agent.getReadinessProbe(), "/q/health/ready", "health");
    assertThat(agent.getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8081));

    assertThat(env(agent))
        .containsEntry("OPENCDI_AGENT_RUNTIME", "kubernetes")
        .containsEntry("OPENCDI_AGENT_GATEWAY_URL", "wss://desktops.example.com")
        .containsEntry("OPENCDI_AGENT_ID", "bj-1")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_CLUSTER_NAME", "bj-1")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_REGION", "cn-north")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_ZONE", "cn-north-1a")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_NAMESPACE", "opencdi-desktops")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_AGENT_NAMESPACE", Charts.NAMESPACE)
        .containsEntry(
            "OPENCDI_AGENT_KUBERNETES_AGENT_POD_LABELS",
            "app.kubernetes.io/instance=opencdi,app.kubernetes.io/name=opencdi-agent")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_STORAGE_CLASS", "longhorn")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_DISPLAY_PORT", "5901")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_START_FAILURE_AFTER", "3m")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_START_DEADLINE", "10m")
        .containsEntry("OPENCDI_AGENT_KUBERNETES_IMAGE_VOLUMES", "true");
    // The pod labels the runtime admits in each desktop's NetworkPolicy are the agent's own.
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/name", "opencdi-agent")
        .containsEntry("app.kubernetes.io/instance", "opencdi");
    EnvVar token =
        agent.getEnv().stream()
            .filter(e -> e.getName().equals("OPENCDI_AGENT_TOKEN"))
            .findFirst()
            .orElseThrow();
    assertThat(token.getValue()).isNull();
    assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("opencdi-agent-token");
    assertThat(token.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
    // The cluster's one-time join token, from a Secret of its own.
    EnvVar join =
        agent.getEnv().stream()
            .filter(e -> e.getName().equals("OPENCDI_AGENT_JOIN_TOKENS"))
            .findFirst()
            .orElseThrow();
    assertThat(join.getValue()).isNull();
    assertThat(join.getValueFrom().getSecretKeyRef().getName()).isEqualTo("opencdi-agent-join");
    assertThat(join.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
    assertThat(r.ofKind("Secret")).isEmpty();

    assertThat(pod.getServiceAccountName())
        .isEqualTo(r.one(ServiceAccount.class).getMetadata().getName());
    Namespace desktops = r.one(Namespace.class);
    assertThat(desktops.getMetadata().getName()).isEqualTo("opencdi-desktops");
    assertThat(desktops.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    assertThat(desktops.getMetadata().getAnnotations())
        .containsEntry("helm.sh/resource-policy", "keep");

    assertThat(r.all(RuntimeClass.class)).isEmpty();
    assertThat(r.all(StorageClass.class)).isEmpty();
    assertThat(r.ofKind("VolumeSnapshotClass")).isEmpty();
  }

  @Test
  void rbacGrantsExactlyTheRulesWrittenBesideTheAgentsCode() {
    var r = Charts.render(AGENT, MEMBER);
    Set<String> fileRules = permissions(rbacFileObjects());
    Set<String> rendered = permissions(r.objects());
    assertThat(fileRules).as("rbac/ must not be empty").isNotEmpty();
    assertThat(rendered).isEqualTo(fileRules);

    for (Role role : r.all(Role.class)) {
      assertThat(role.getMetadata().getNamespace()).isEqualTo("opencdi-desktops");
    }
    String account = r.one(ServiceAccount.class).getMetadata().getName();
    for (RoleBinding b : r.all(RoleBinding.class)) {
      assertThat(b.getMetadata().getNamespace()).isEqualTo("opencdi-desktops");
      assertThat(r.all(Role.class))
          .anySatisfy(
              role -> assertThat(role.getMetadata().getName()).isEqualTo(b.getRoleRef().getName()));
      assertThat(b.getSubjects())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(s.getName()).isEqualTo(account);
                assertThat(s.getNamespace()).isEqualTo(Charts.NAMESPACE);
              });
    }
    for (ClusterRoleBinding b : r.all(ClusterRoleBinding.class)) {
      assertThat(r.all(ClusterRole.class))
          .anySatisfy(
              role -> assertThat(role.getMetadata().getName()).isEqualTo(b.getRoleRef().getName()));
      assertThat(b.getSubjects())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getName()).isEqualTo(account);
                assertThat(s.getNamespace()).isEqualTo(Charts.NAMESPACE);
              });
    }
    assertThat(r.all(RoleBinding.class)).hasSameSizeAs(r.all(Role.class));
    assertThat(r.all(ClusterRoleBinding.class)).hasSameSizeAs(r.all(ClusterRole.class));
  }

  @Test
  void rbacIsLeastPrivilege() {
    var r = Charts.render(AGENT, MEMBER);
    Set<String> all = permissions(r.objects());
    assertThat(all).noneMatch(p -> p.contains("*"));
    assertThat(all).noneMatch(p -> p.contains("/secrets "));
    assertThat(all).noneMatch(p -> p.matches(".* (escalate|bind|impersonate|approve)$"));
    assertThat(all).noneMatch(p -> p.contains("rbac.authorization.k8s.io/"));
    // Cluster-wide, the agent only reads (capacity); everything it writes is in one namespace.
    assertThat(all.stream().filter(p -> p.startsWith("cluster ")))
        .allMatch(p -> p.endsWith(" list") || p.endsWith(" watch") || p.endsWith(" get"));
    // Every kind the CRDs define is reachable by the agent in the desktops namespace.
    for (CustomResourceDefinition crd : crds()) {
      String resource = crd.getSpec().getGroup() + "/" + crd.getSpec().getNames().getPlural();
      assertThat(all).anyMatch(p -> p.startsWith("namespace " + resource + " watch"));
    }
  }

  @Test
  void theCrdsAreValidAndServeStatus() {
    List<CustomResourceDefinition> crds = crds();
    assertThat(crds)
        .extracting(c -> c.getMetadata().getName())
        .contains("desktops.opencdi.io", "desktopsnapshots.opencdi.io");
    for (CustomResourceDefinition crd : crds) {
      assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
      assertThat(crd.getSpec().getVersions())
          .allSatisfy(
              v -> {
                assertThat(v.getSchema().getOpenAPIV3Schema()).isNotNull();
                assertThat(v.getSubresources().getStatus()).isNotNull();
              });
    }
  }

  @Test
  void defaultNetworkPoliciesLetOnlyTheAgentReachDesktops() {
    var r = Charts.render(AGENT, MEMBER);
    NetworkPolicy desktops = policy(r, "opencdi-desktops");
    assertThat(desktops.getSpec().getPodSelector().getMatchLabels()).isNullOrEmpty();
    assertThat(desktops.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(desktops.getSpec().getIngress())
        .singleElement()
        .satisfies(
            in -> {
              assertThat(in.getPorts())
                  .singleElement()
                  .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(5901));
              assertThat(in.getFrom())
                  .singleElement()
                  .satisfies(
                      peer -> {
                        assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .containsEntry("kubernetes.io/metadata.name", Charts.NAMESPACE);
                        assertThat(peer.getPodSelector().getMatchLabels())
                            .isEqualTo(
                                r.one(Deployment.class).getSpec().getSelector().getMatchLabels());
                      });
            });
    var internet =
        desktops.getSpec().getEgress().stream()
            .flatMap(e -> e.getTo().stream())
            .filter(t -> t.getIpBlock() != null)
            .toList();
    assertThat(internet)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getIpBlock().getCidr()).isEqualTo("0.0.0.0/0");
              // Cloud metadata and the cluster's private ranges stay out of reach.
              assertThat(t.getIpBlock().getExcept())
                  .contains("169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16");
            });

    NetworkPolicy agent = policy(r, Charts.NAMESPACE);
    assertThat(agent.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(agent.getSpec().getIngress()).isEmpty();
    assertThat(agent.getSpec().getEgress())
        .anySatisfy(
            e -> {
              assertThat(e.getTo()).isNotEmpty();
              assertThat(e.getTo().get(0).getNamespaceSelector().getMatchLabels())
                  .containsEntry("kubernetes.io/metadata.name", "opencdi-desktops");
              assertThat(e.getPorts().get(0).getPort().getIntVal()).isEqualTo(5901);
            });
    assertThat(egressPorts(agent)).contains(53, 443, 6443);
  }

  @Test
  void sandboxedRuntimesLonghornAndRestrictedDesktopEgress() {
    var r = Charts.render(AGENT, SANDBOXED);
    Map<String, RuntimeClass> classes =
        r.all(RuntimeClass.class).stream()
            .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c));
    assertThat(classes).containsOnlyKeys("gvisor", "kata");
    assertThat(classes.get("gvisor").getHandler()).isEqualTo("runsc");
    assertThat(classes.get("gvisor").getOverhead().getPodFixed())
        .containsEntry("memory", new Quantity("64Mi"));

    RuntimeClass kata = classes.get("kata");
    assertThat(kata.getHandler()).isEqualTo("kata");
    // A Kata pod is a VM: without overhead the scheduler over-commits the node.
    assertThat(kata.getOverhead().getPodFixed())
        .containsEntry("cpu", new Quantity("250m"))
        .containsEntry("memory", new Quantity("160Mi"));
    assertThat(kata.getScheduling().getNodeSelector())
        .containsEntry("katacontainers.io/kata-runtime", "true");
    assertThat(kata.getScheduling().getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("kata"));

    StorageClass home = r.one(StorageClass.class);
    assertThat(home.getProvisioner()).isEqualTo("driver.longhorn.io");
    assertThat(home.getAllowVolumeExpansion()).isTrue();
    assertThat(home.getParameters())
        .containsEntry("numberOfReplicas", "3")
        .containsEntry("dataLocality", "best-effort");
    GenericKubernetesResource snapshots =
        (GenericKubernetesResource) r.ofKind("VolumeSnapshotClass").get(0);
    assertThat(snapshots.getApiVersion()).isEqualTo("snapshot.storage.k8s.io/v1");
    assertThat(snapshots.<String>get("driver")).isEqualTo("driver.longhorn.io");
    assertThat(snapshots.<String>get("parameters", "type")).isEqualTo("bak");

    Container agent =
        r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertImage(
        agent,
        "registry.example.com/opencdi/cluster-agent@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9");
    assertThat(env(agent))
        .containsEntry("OPENCDI_AGENT_KUBERNETES_STORAGE_CLASS", home.getMetadata().getName())
        .containsEntry(
            "OPENCDI_AGENT_KUBERNETES_VOLUME_SNAPSHOT_CLASS", snapshots.getMetadata().getName())
        .doesNotContainKey("OPENCDI_AGENT_KUBERNETES_ZONE");
    assertThat(agent.getEnv())
        .filteredOn(e -> e.getName().equals("OPENCDI_AGENT_TOKEN"))
        .singleElement()
        .satisfies(
            e -> assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("agent-token"));
    // A cluster that joined already needs no join token.
    assertThat(agent.getEnv()).noneMatch(e -> e.getName().equals("OPENCDI_AGENT_JOIN_TOKENS"));

    NetworkPolicy desktops = policy(r, "opencdi-desktops");
    assertThat(
            desktops.getSpec().getEgress().stream()
                .flatMap(e -> e.getTo().stream())
                .filter(t -> t.getIpBlock() != null))
        .extracting(t -> t.getIpBlock().getCidr())
        .containsExactly("10.20.30.40/32");
    // The gateway listens on 8443 here; the agent may dial it.
    assertThat(egressPorts(policy(r, Charts.NAMESPACE))).contains(8443);

    // Desktops have sound: the agent learns the range to serve it to, and the agent alone reaches
    // the sound ports, as the display's.
    assertThat(env(agent)).containsEntry("OPENCDI_AGENT_KUBERNETES_SOUND_FROM", "10.244.0.0/16");
    assertThat(desktops.getSpec().getIngress())
        .singleElement()
        .satisfies(
            in ->
                assertThat(in.getPorts())
                    .extracting(p -> p.getPort().getIntVal())
                    .containsExactly(5901, 5910, 5911));
    assertThat(egressPorts(policy(r, Charts.NAMESPACE))).contains(5901, 5910, 5911);
    assertThat(agentEnv(MEMBER)).doesNotContainKey("OPENCDI_AGENT_KUBERNETES_SOUND_FROM");
  }

  @Test
  void aGatewayInTheSameClusterMayBeReachedWithoutTlsOnlyWhenAllowed() {
    Map<String, Object> sets = Map.of("gatewayUrl", "ws://opencdi-gateway.opencdi-system:8080");
    assertThatThrownBy(() -> Charts.template(AGENT, List.of(MEMBER), sets))
        .hasMessageContaining("is not encrypted");
    var r =
        Charts.render(
            AGENT,
            List.of(MEMBER),
            Map.of(
                "gatewayUrl",
                "ws://opencdi-gateway.opencdi-system:8080",
                "allowInsecureGateway",
                true));
    assertThat(egressPorts(policy(r, Charts.NAMESPACE))).contains(8080);
  }

  @Test
  void mistakesAreRefusedWithAMessage() {
    assertRefused(Map.of("image.tag", "latest"), "not latest");
    assertRefused(
        Map.of("gatewayUrl", "ftp://desktops.example.com"), "must be a wss:// or https:// URL");
    assertRefused(Map.of("token.existingSecret", ""), "token.existingSecret is required");
    assertRefused(Map.of("cluster.name", ""), "cluster.name is required");
    assertRefused(Map.of("cluster.name", "BJ_1"), "must be a lower-case DNS label");
    assertRefused(
        Map.of("desktops.namespace", Charts.NAMESPACE), "must differ from the agent's namespace");
    assertRefused(
        Map.of("longhorn.enabled", true, "longhorn.volumeSnapshotClass.type", "full"),
        "must be snap or bak");
  }

  @Test
  void theValuesSchemaRefusesUnknownKeysAndWrongTypes() {
    assertRefused(Map.of("runtimeClasses.firecracker.enabled", true), "firecracker");
    assertRefused(Map.of("desktops.displayPort", 70000), "displayPort");
    assertRefused(Map.of("desktops.startDeadline", "ten minutes"), "startDeadline");
    assertRefused(Map.of("desktops.startFailureAfter", "0s"), "startFailureAfter");
    assertRefused(Map.of("desktops.podSecurity", "none"), "podSecurity");
    assertRefused(Map.of("desktops.imageVolumes", "yes"), "imageVolumes");
    // Sound served to everybody is refused: a range no wider than /8.
    assertRefused(Map.of("desktops.soundFrom", "0.0.0.0/0"), "soundFrom");
    assertRefused(Map.of("longhorn.storageClass.dataLocality", "nearby"), "dataLocality");
  }

  private static void assertRefused(Map<String, Object> sets, String message) {
    assertThatThrownBy(() -> Charts.template(AGENT, List.of(MEMBER), sets))
        .as("%s", sets)
        .hasMessageContaining(message);
  }

  private static NetworkPolicy policy(Charts.Rendered r, String namespace) {
    return r.all(NetworkPolicy.class).stream()
        .filter(
            p ->
                namespace.equals(
                    p.getMetadata().getNamespace() == null
                        ? Charts.NAMESPACE
                        : p.getMetadata().getNamespace()))
        .collect(
            Collectors.collectingAndThen(
                Collectors.toList(),
                l -> {
                  assertThat(l).as("policies in %s", namespace).hasSize(1);
                  return l.get(0);
                }));
  }

  private static Set<Integer> egressPorts(NetworkPolicy policy) {
    return policy.getSpec().getEgress().stream()
        .flatMap(e -> e.getPorts().stream())
        .map(p -> p.getPort().getIntVal())
        .collect(Collectors.toSet());
  }

  /** The agent container's plain environment as {@code valuesFile} renders it. */
  private static Map<String, String> agentEnv(String valuesFile) {
    return env(
        Charts.render(AGENT, valuesFile)
            .one(Deployment.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0));
  }

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  /** Every (scope, group/resource, verb) a set of Roles and ClusterRoles grants. */
  static Set<String> permissions(List<HasMetadata> objects) {
    Set<String> result = new TreeSet<>();
    for (HasMetadata o : objects) {
      List<PolicyRule> rules;
      String scope;
      if (o instanceof Role role) {
        rules = role.getRules();
        scope = "namespace";
      } else if (o instanceof ClusterRole role) {
        rules = role.getRules();
        scope = "cluster";
      } else {
        continue;
      }
      for (PolicyRule rule : rules) {
        assertThat(rule.getResourceNames()).as("resourceNames are not used").isNullOrEmpty();
        assertThat(rule.getNonResourceURLs()).as("nonResourceURLs are not used").isNullOrEmpty();
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            for (String verb : rule.getVerbs()) {
              result.add(scope + " " + group + "/" + resource + " " + verb);
            }
          }
        }
      }
    }
    return result;
  }

  static List<HasMetadata> rbacFileObjects() {
    return yamlFiles(AGENT.resolve("rbac")).flatMap(f -> Charts.parse(read(f)).stream()).toList();
  }

  static List<CustomResourceDefinition> crds() {
    return yamlFiles(AGENT.resolve("crds"))
        .flatMap(f -> Charts.parse(read(f)).stream())
        .map(CustomResourceDefinition.class::cast)
        .toList();
  }

  private static Stream<Path> yamlFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
