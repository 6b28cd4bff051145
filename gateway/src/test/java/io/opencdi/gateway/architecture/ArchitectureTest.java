package io.opencdi.gateway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The gateway's shape (docs/architecture.md): pure domain rules free of framework classes,
 * resolvers that leave the database to services and repositories, and feature packages without
 * cycles. The placement engine's own purity is {@code placement}'s {@code PurityTest}.
 *
 * <p>The last two rules are not met everywhere yet (issue 18): what breaks them today is listed
 * here by name, so that nothing new may, and a mended case must leave the list (the test says
 * which).
 */
class ArchitectureTest {
  private static final String GATEWAY_PACKAGE = "io.opencdi.gateway";

  private static final String[] FRAMEWORKS = {
    "io.quarkus..",
    "io.smallrye..",
    "io.vertx..",
    "org.hibernate..",
    "jakarta..",
    "org.eclipse.microprofile..",
    "io.fabric8..",
    "graphql.."
  };

  /**
   * Resolvers that still run queries themselves (none since every feature has its service or
   * repository); a resolver that queries must be listed here, to be moved.
   */
  private static final Set<String> RESOLVERS_WITH_QUERIES = Set.of();

  /**
   * Dependencies between feature packages that close a cycle today ("from -> to"); to be broken.
   * Regenerate the list from the failure message when one is mended.
   */
  private static final Set<String> CYCLIC_EDGES =
      Set.of(
          "agent -> cluster",
          "agent -> desktop",
          "agent -> events",
          "agent -> snapshot",
          "applayer -> auth",
          "auth -> template",
          "cluster -> agent",
          "cluster -> events",
          "cluster -> graphql",
          "desktop -> cluster",
          "desktop -> events",
          "desktop -> graphql",
          "desktop -> quota",
          "desktop -> snapshot",
          "events -> cluster",
          "events -> desktop",
          "events -> graphql",
          "graphql -> events",
          "quota -> graphql",
          "quota -> snapshot",
          "snapshot -> desktop",
          "snapshot -> events",
          "snapshot -> quota",
          "template -> applayer",
          "template -> auth");

  private static final JavaClasses GATEWAY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(GATEWAY_PACKAGE, "io.opencdi.protocol");

  @Test
  void domainRulesImportNoFramework() {
    noClasses()
        .that()
        .haveSimpleName("StatusTransition")
        .or()
        .haveSimpleName("PoolPlan")
        .or()
        .haveSimpleName("Reclaim")
        .or()
        .haveSimpleName("ViewerLimits")
        .or()
        .haveSimpleName("WatermarkText")
        .or()
        .haveSimpleName("FileRules")
        .or()
        .resideInAPackage("io.opencdi.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(FRAMEWORKS)
        .check(GATEWAY);
  }

  /** SelectionHidden shows SmallRye GraphQL an empty selection set: nothing else may read one. */
  @Test
  void onlyTheGraphQLEdgeSeesTheSelectionSet() {
    noClasses()
        .that()
        .resideOutsideOfPackage(GATEWAY_PACKAGE + ".graphql")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("graphql.schema.DataFetchingEnvironment")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("graphql.schema.DataFetchingFieldSelectionSet")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.smallrye.graphql.api.Context")
        .check(GATEWAY);
  }

  @Test
  void resolversLeaveTheDatabaseToServicesAndRepositories() {
    Set<String> touching = new TreeSet<>();
    for (JavaClass c : GATEWAY) {
      if (!c.getPackageName().contains(".api") || !c.getPackageName().startsWith(GATEWAY_PACKAGE)) {
        continue;
      }
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        String target = d.getTargetClass().getName();
        if (target.startsWith("io.vertx.mutiny.sqlclient.")
            || target.startsWith("io.vertx.sqlclient.")
            || target.startsWith("org.hibernate.reactive.mutiny.Mutiny$Session")
            || target.equals("io.opencdi.gateway.db.Db")) {
          touching.add(outermost(c).getSimpleName());
        }
      }
    }
    assertThat(touching)
        .as(
            "resolvers (api packages) that touch a session, a pool or Db: only those listed in"
                + " RESOLVERS_WITH_QUERIES may, and a mended one must leave that list")
        .isEqualTo(new TreeSet<>(RESOLVERS_WITH_QUERIES));
  }

  @Test
  void featurePackagesAddNoCycles() {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (JavaClass c : GATEWAY) {
      Optional<String> from = feature(c);
      if (from.isEmpty()) {
        continue;
      }
      graph.computeIfAbsent(from.get(), k -> new TreeSet<>());
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        feature(d.getTargetClass())
            .filter(to -> !to.equals(from.get()))
            .ifPresent(to -> graph.get(from.get()).add(to));
      }
    }
    Map<String, Integer> component = components(graph);
    Set<String> cyclic = new TreeSet<>();
    graph.forEach(
        (from, tos) -> {
          for (String to : tos) {
            if (component.get(from).equals(component.get(to))) {
              cyclic.add(from + " -> " + to);
            }
          }
        });
    assertThat(cyclic)
        .as(
            "dependencies between the gateway's feature packages that close a cycle: only those in"
                + " CYCLIC_EDGES may, and a broken one must leave that list")
        .isEqualTo(new TreeSet<>(CYCLIC_EDGES));
  }

  /**
   * The feature package of a gateway class ({@code desktop} for {@code ...gateway.desktop.api}).
   */
  private static Optional<String> feature(JavaClass c) {
    String p = c.getPackageName();
    if (!p.startsWith(GATEWAY_PACKAGE + ".")) {
      return Optional.empty();
    }
    String rest = p.substring(GATEWAY_PACKAGE.length() + 1);
    int dot = rest.indexOf('.');
    return Optional.of(dot < 0 ? rest : rest.substring(0, dot));
  }

  private static JavaClass outermost(JavaClass c) {
    JavaClass o = c;
    while (o.getEnclosingClass().isPresent()) {
      o = o.getEnclosingClass().get();
    }
    return o;
  }

  /** Strongly connected components (Tarjan): feature → component number. */
  private static Map<String, Integer> components(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Map<String, Integer> component = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    int[] counter = {0, 0};
    for (String v : graph.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, component, stack, onStack, counter);
      }
    }
    return component;
  }

  private static void connect(
      String v,
      Map<String, Set<String>> graph,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Map<String, Integer> component,
      Deque<String> stack,
      Set<String> onStack,
      int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, component, stack, onStack, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.put(w, counter[1]);
      } while (!w.equals(v));
      counter[1]++;
    }
  }
}
