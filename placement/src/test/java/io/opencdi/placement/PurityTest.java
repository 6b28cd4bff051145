package io.opencdi.placement;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The engine stays plain Java so it can be benchmarked and tested alone and embedded anywhere: no
 * framework, no client library, and plugins see only the model and the framework contract.
 */
class PurityTest {

  private static final JavaClasses ENGINE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.opencdi.placement");

  @Test
  void dependsOnlyOnTheJdkAndItself() {
    classes()
        .that()
        .resideInAPackage("io.opencdi.placement..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "io.opencdi.placement..")
        .check(ENGINE);
  }

  @Test
  void modelKnowsNothingOfThePipeline() {
    classes()
        .that()
        .resideInAPackage("io.opencdi.placement.model..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "io.opencdi.placement.model..")
        .check(ENGINE);
  }

  @Test
  void pluginsSeeOnlyTheModelAndTheFrameworkContract() {
    noClasses()
        .that()
        .resideInAPackage("io.opencdi.placement.plugins..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.opencdi.placement.registry..", "io.opencdi.placement.scheduler..")
        .check(ENGINE);
  }
}
