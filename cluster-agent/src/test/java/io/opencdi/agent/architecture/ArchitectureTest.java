package io.opencdi.agent.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The agent's shape: the runtimes' model and resource builders make no Kubernetes API calls (only
 * the Kubernetes runtime, its factory, its cache of informers and its API writer hold a client),
 * and the agent's packages depend on each other without cycles.
 */
class ArchitectureTest {
  private static final JavaClasses AGENT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.opencdi.agent");

  @Test
  void onlyTheRuntimeAndItsClientHoldersCallTheKubernetesApi() {
    noClasses()
        .that()
        .resideInAPackage("io.opencdi.agent.runtime..")
        .and()
        .haveNameNotMatching(".*\\.Kubernetes(Runtime|RuntimeFactory|Cache|Api)(\\$.*)?")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.fabric8.kubernetes.client.KubernetesClient")
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8.kubernetes.client.dsl..", "io.fabric8.kubernetes.client.informers..")
        .as("the runtimes' model classes and resource builders make no Kubernetes API calls")
        .check(AGENT);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.opencdi.agent.(*)..").should().beFreeOfCycles().check(AGENT);
  }
}
