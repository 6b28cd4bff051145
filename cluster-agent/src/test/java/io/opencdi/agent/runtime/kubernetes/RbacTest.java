package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.opencdi.agent.runtime.kubernetes.ApiPermissions.Permission;
import io.opencdi.agent.runtime.kubernetes.ApiPermissions.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent's RBAC YAML grants exactly what {@link ApiPermissions} declares: a verb the code needs
 * and the YAML lacks fails here, and so does a grant nothing uses. ({@code KubernetesRuntimeTest}
 * checks the declaration against the requests the runtime really sends.)
 */
class RbacTest {
  static final Path RBAC = Path.of("..", "helm", "opencdi-agent", "rbac");

  private final List<HasMetadata> objects = load();

  private static List<HasMetadata> load() {
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(RBAC)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          Object parsed = serialization.unmarshal(in);
          if (parsed instanceof List<?> list) {
            list.forEach(o -> all.add((HasMetadata) o));
          } else {
            all.add((HasMetadata) parsed);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return all;
  }

  private <T> List<T> of(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void theYamlGrantsExactlyWhatTheRuntimeDeclares() {
    Set<Permission> granted = new HashSet<>();
    for (Role role : of(Role.class)) {
      assertThat(role.getMetadata().getNamespace()).isEqualTo("opencdi-desktops");
      role.getRules().forEach(rule -> expand(rule, Scope.NAMESPACE, granted));
    }
    for (ClusterRole role : of(ClusterRole.class)) {
      role.getRules().forEach(rule -> expand(rule, Scope.CLUSTER, granted));
    }
    assertThat(problems(granted, new HashSet<>(ApiPermissions.REQUIRED))).as("%s", RBAC).isEmpty();
  }

  @Test
  void bindingsGiveTheRolesToTheAgentsServiceAccountOnly() {
    ServiceAccount account = of(ServiceAccount.class).getFirst();
    assertThat(account.getMetadata().getName()).isEqualTo("opencdi-agent");
    assertThat(account.getMetadata().getNamespace()).isEqualTo("opencdi-system");
    RoleBinding binding = of(RoleBinding.class).getFirst();
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName())
        .isEqualTo(of(Role.class).getFirst().getMetadata().getName());
    assertThat(binding.getMetadata().getNamespace()).isEqualTo("opencdi-desktops");
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("opencdi-agent");
              assertThat(s.getNamespace()).isEqualTo("opencdi-system");
            });
    ClusterRoleBinding clusterBinding = of(ClusterRoleBinding.class).getFirst();
    assertThat(clusterBinding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(clusterBinding.getRoleRef().getName())
        .isEqualTo(of(ClusterRole.class).getFirst().getMetadata().getName());
    assertThat(clusterBinding.getSubjects())
        .singleElement()
        .isEqualTo(binding.getSubjects().get(0));
  }

  @Test
  void theCheckReportsAMissingVerbAndAnUnusedGrant() {
    Set<Permission> granted = new HashSet<>(ApiPermissions.REQUIRED);
    Permission deletePods = new Permission("", "pods", "delete", Scope.NAMESPACE);
    Permission readSecrets = new Permission("", "secrets", "get", Scope.NAMESPACE);
    granted.remove(deletePods);
    granted.add(readSecrets);
    assertThat(problems(granted, new HashSet<>(ApiPermissions.REQUIRED)))
        .containsExactlyInAnyOrder(
            "needed by the code, not granted: " + deletePods,
            "granted, not needed by the code: " + readSecrets);
  }

  static List<String> problems(Set<Permission> granted, Set<Permission> declared) {
    List<String> problems = new ArrayList<>();
    declared.stream()
        .filter(p -> !granted.contains(p))
        .forEach(p -> problems.add("needed by the code, not granted: " + p));
    granted.stream()
        .filter(p -> !declared.contains(p))
        .forEach(p -> problems.add("granted, not needed by the code: " + p));
    return problems;
  }

  static void expand(PolicyRule rule, Scope scope, Set<Permission> into) {
    assertThat(rule.getResourceNames()).as("resourceNames are not used").isNullOrEmpty();
    assertThat(rule.getNonResourceURLs()).as("nonResourceURLs are not used").isNullOrEmpty();
    for (String group : rule.getApiGroups()) {
      for (String resource : rule.getResources()) {
        for (String verb : rule.getVerbs()) {
          into.add(new Permission(group, resource, verb, scope));
        }
      }
    }
  }
}
