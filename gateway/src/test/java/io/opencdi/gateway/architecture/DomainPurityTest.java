package io.opencdi.gateway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The placement engine and the pure domain rules stay free of framework classes, so they can be
 * tested and benchmarked alone and survive a change of framework.
 */
class DomainPurityTest {
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

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(
              "io.opencdi.placement", "io.opencdi.gateway.desktop", "io.opencdi.protocol");

  @Test
  void placementEngineImportsNoFramework() {
    noClasses()
        .that()
        .resideInAPackage("io.opencdi.placement..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(FRAMEWORKS)
        .check(classes);
  }

  @Test
  void desktopStateRulesImportNoFramework() {
    noClasses()
        .that()
        .haveSimpleName("StatusTransition")
        .or()
        .resideInAPackage("io.opencdi.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(FRAMEWORKS)
        .check(classes);
  }
}
