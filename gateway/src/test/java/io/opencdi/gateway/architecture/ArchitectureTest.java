package io.opencdi.gateway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The gateway's shape (docs/architecture.md): pure domain rules free of framework classes,
 * resolvers that leave the database to services and repositories, and feature packages without
 * cycles. The placement engine's own purity is {@code placement}'s {@code PurityTest}.
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
        .as("resolvers (api packages) that touch a session, a pool or Db: none may")
        .isEmpty();
  }

  /**
   * Each feature package (the first package under the gateway's, with its {@code api} and other
   * subpackages) depends on others in one direction only: a change to one never has to follow a
   * loop back into it.
   */
  @Test
  void featurePackagesHaveNoCycles() {
    slices().matching(GATEWAY_PACKAGE + ".(*)..").should().beFreeOfCycles().check(GATEWAY);
  }

  private static JavaClass outermost(JavaClass c) {
    JavaClass o = c;
    while (o.getEnclosingClass().isPresent()) {
      o = o.getEnclosingClass().get();
    }
    return o;
  }
}
