package io.opencdi.gateway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.util.Set;
import java.util.TreeSet;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/**
 * The gateway's shape (docs/architecture.md): pure domain rules free of framework classes,
 * resolvers that leave the database to services and repositories, services that leave their
 * statements to repositories, and feature packages without cycles. The placement engine's own
 * purity is {@code placement}'s {@code PurityTest}.
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
   * A feature's services decide; the statements they run are in its repository or queries class
   * (docs/architecture.md, "where a change goes"), so that a feature's SQL is in one place.
   */
  @Test
  void servicesLeaveTheirStatementsToRepositories() {
    assertThat(statementsIssuedByServices(GATEWAY))
        .as("classes named *Service that create a query or run a statement themselves")
        .isEmpty();
  }

  /** The rule above finds what it is there to find: both kinds of statement, lambdas included. */
  @Test
  void theStatementRuleSeesAServiceThatQueries() {
    JavaClasses fixture =
        new ClassFileImporter().importClasses(QueryingService.class, QueryingRepository.class);
    assertThat(statementsIssuedByServices(fixture))
        .containsExactly("QueryingService.createSelectionQuery", "QueryingService.preparedQuery");
  }

  private static Set<String> statementsIssuedByServices(JavaClasses classes) {
    Set<String> issuing = new TreeSet<>();
    for (JavaClass c : classes) {
      String name = service(c);
      if (name == null) {
        continue;
      }
      for (JavaMethodCall call : c.getMethodCallsFromSelf()) {
        String owner = call.getTargetOwner().getName();
        String method = call.getName();
        boolean hibernate =
            owner.startsWith("org.hibernate.reactive.mutiny.Mutiny$")
                && method.startsWith("create")
                && method.endsWith("Query");
        boolean client =
            (owner.startsWith("io.vertx.mutiny.sqlclient.")
                    || owner.startsWith("io.vertx.sqlclient."))
                && (method.equals("query")
                    || method.equals("preparedQuery")
                    || method.equals("executeBatch"));
        if (hibernate || client) {
          issuing.add(name + "." + method);
        }
      }
    }
    return issuing;
  }

  /** A service written the way the rule refuses. */
  static class QueryingService {
    Uni<Long> count(Mutiny.Session s) {
      return Uni.createFrom()
          .voidItem()
          .flatMap(
              v ->
                  s.createSelectionQuery("select count(d) from D d", Long.class).getSingleResult());
    }

    Uni<?> names(SqlConnection tx) {
      return tx.preparedQuery("select name from d").execute();
    }
  }

  /** The same statement in a repository, where it belongs. */
  static class QueryingRepository {
    Uni<Long> count(Mutiny.Session s) {
      return s.createSelectionQuery("select count(d) from D d", Long.class).getSingleResult();
    }
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

  /** The name of the service {@code c} is or belongs to (lambdas and nested classes), or null. */
  private static String service(JavaClass c) {
    for (JavaClass o = c; ; o = o.getEnclosingClass().get()) {
      if (o.getSimpleName().endsWith("Service")) {
        return o.getSimpleName();
      }
      if (o.getEnclosingClass().isEmpty()) {
        return null;
      }
    }
  }

  private static JavaClass outermost(JavaClass c) {
    JavaClass o = c;
    while (o.getEnclosingClass().isPresent()) {
      o = o.getEnclosingClass().get();
    }
    return o;
  }
}
