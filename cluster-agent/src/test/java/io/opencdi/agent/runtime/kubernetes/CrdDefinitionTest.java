package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD YAML shipped for the Helm chart and the Java model the agent reads and writes must
 * describe the same resources: the YAML is what fabric8's CRD generator makes from the model. After
 * a model change, copy the generated files (the failure message names them) into {@code
 * helm/opencdi-agent/crds/}.
 */
class CrdDefinitionTest {
  static final Path CRDS = Path.of("..", "helm", "opencdi-agent", "crds");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path generated;

  @Test
  void shippedCrdsAreWhatTheJavaModelGenerates() throws IOException {
    new CRDGenerator()
        .customResourceClasses(Desktop.class, DesktopSnapshot.class)
        .forCRDVersions("v1")
        .inOutputDir(generated.toFile())
        .generate();
    for (String file :
        List.of("desktops.opencdi.io-v1.yml", "desktopsnapshots.opencdi.io-v1.yml")) {
      JsonNode expected = YAML.readTree(generated.resolve(file).toFile());
      JsonNode shipped = YAML.readTree(CRDS.resolve(file).toFile());
      assertThat(shipped)
          .as(
              "%s differs from the CRD generated from the Java model; copy %s over it",
              CRDS.resolve(file), generated.resolve(file))
          .isEqualTo(expected);
    }
  }

  @Test
  void desktopCrdHasStatusSubresourcePrinterColumnsAndSchema() throws IOException {
    JsonNode crd = YAML.readTree(CRDS.resolve("desktops.opencdi.io-v1.yml").toFile());
    assertThat(crd.at("/spec/group").asText()).isEqualTo("opencdi.io");
    assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
    JsonNode version = crd.at("/spec/versions/0");
    assertThat(version.at("/name").asText()).isEqualTo("v1alpha1");
    assertThat(version.at("/subresources/status").isObject()).isTrue();
    List<String> columns = new ArrayList<>();
    version
        .at("/additionalPrinterColumns")
        .forEach(c -> columns.add(c.get("name").asText() + "=" + c.get("jsonPath").asText()));
    assertThat(columns)
        .contains("State=.status.state", "Node=.status.node", "Age=.metadata.creationTimestamp");
    JsonNode spec = version.at("/schema/openAPIV3Schema/properties/spec");
    assertThat(spec.at("/required"))
        .extracting(JsonNode::asText)
        .contains("desktopId", "owner", "image", "cpuMillis", "memoryMiB", "power");
    assertThat(spec.at("/properties/power/enum"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("On", "Off");
    assertThat(spec.at("/properties/home/properties/storageClassName/type").asText())
        .isEqualTo("string");
    assertThat(spec.at("/properties/display/properties/port/minimum").asInt()).isEqualTo(1024);
  }
}
