package io.opencdi.agent.runtime.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class FleetFileTest {

  @Test
  void readsTheDocumentedFormat() {
    Fleet fleet =
        FleetFile.parse(
            """
            failImages: ["opencdi/broken:*"]
            clusters:
              - name: bj-1
                region: cn-north
                zone: cn-north-1a
                arch: [amd64]
                runtimeClasses: [runc, gvisor]
                storageClasses: [longhorn]
                cachedImages: [opencdi/desktop-xfce:0.1]
                nodes: { count: 10, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
              - name: sh-2
                region: cn-east
                arch: [arm64, amd64]
                nodes:
                  - { count: 2, cpuMillis: 8000, memoryMiB: 32768, arch: arm64 }
                  - { count: 1, cpuMillis: 4000, memoryMiB: 8192, arch: amd64, externalCpuMillis: 1000 }
            """,
            "inline");

    assertThat(fleet.clusters()).hasSize(2);
    Fleet.Cluster bj1 = fleet.clusters().get(0);
    assertThat(bj1.name()).isEqualTo("bj-1");
    assertThat(bj1.zone()).isEqualTo("cn-north-1a");
    assertThat(bj1.runtimeClasses()).containsExactly("runc", "gvisor");
    assertThat(bj1.cachedImages()).containsExactly("opencdi/desktop-xfce:0.1");
    assertThat(bj1.ready()).isTrue();
    assertThat(bj1.nodes()).hasSize(10);
    assertThat(bj1.nodes().get(2))
        .isEqualTo(new Fleet.Node("bj-1-node-003", "amd64", 16000, 65536, 110, 0, 0));

    Fleet.Cluster sh2 = fleet.clusters().get(1);
    assertThat(sh2.zone()).isEqualTo("cn-east-a");
    assertThat(sh2.storageClasses()).containsExactly("longhorn");
    assertThat(sh2.nodes())
        .extracting(Fleet.Node::name, Fleet.Node::arch, Fleet.Node::externalCpuMillis)
        .containsExactly(
            Tuple.tuple("sh-2-node-001", "arm64", 0L),
            Tuple.tuple("sh-2-node-002", "arm64", 0L),
            Tuple.tuple("sh-2-node-003", "amd64", 1000L));

    assertThat(fleet.failPatternFor("opencdi/broken:1")).isEqualTo("opencdi/broken:*");
    assertThat(fleet.failPatternFor("opencdi/desktop-xfce:0.1")).isNull();
  }

  @Test
  void theReadmeExampleIsValid() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("```yaml\n") + "```yaml\n".length();
    String yaml = readme.substring(start, readme.indexOf("```", start));

    Fleet fleet = FleetFile.parse(yaml, "README.md");

    assertThat(fleet.clusters()).hasSize(102);
    assertThat(fleet.clusters().get(1).nodes()).hasSize(6);
    assertThat(fleet.failImages()).containsExactly("opencdi/broken:*");
  }

  @Test
  void bundledDefaultFleetSpansRegionsAndArchitectures() {
    Fleet fleet = FleetFile.bundledDefault();

    assertThat(fleet.clusters()).extracting(Fleet.Cluster::region).contains("cn-north", "eu-west");
    assertThat(fleet.clusters()).extracting(Fleet.Cluster::name).contains("bj-1", "bj-2", "sh-1");
    assertThat(fleet.clusters()).anyMatch(c -> c.architectures().equals(List.of("arm64")));
    assertThat(fleet.clusters()).anyMatch(c -> c.runtimeClasses().contains("gvisor"));
    assertThat(fleet.clusters()).allMatch(c -> c.nodes().size() >= 5 && c.nodes().size() <= 20);
  }

  @Test
  void generatesLargeFleetsWithoutWritingThemOut() {
    Fleet fleet =
        FleetFile.parse(
            """
            generate:
              clusters: 100
              nodesPerCluster: 200
              regions: [cn-north, cn-east, eu-west, us-east]
            """,
            "inline");

    assertThat(fleet.clusters()).hasSize(100);
    assertThat(fleet.nodeCount()).isEqualTo(20_000);
    Set<String> names = new HashSet<>();
    fleet.clusters().forEach(c -> c.nodes().forEach(n -> names.add(c.name() + "/" + n.name())));
    assertThat(names).hasSize(20_000);
    Fleet.Cluster first = fleet.clusters().get(0);
    assertThat(first.name()).isEqualTo("cn-north-001");
    assertThat(first.nodes().get(199).name()).isEqualTo("cn-north-001-node-200");
    assertThat(first.runtimeClasses()).containsExactly("runc", "gvisor");
    assertThat(fleet.clusters().get(1).region()).isEqualTo("cn-east");
  }

  @Test
  void invalidFileNamesEveryBadEntry() {
    String yaml =
        """
        clusters:
          - name: bj-1
            region: cn-north
            nodes: { count: 0, cpuMillis: 16000, memoryMiB: 65536 }
          - name: bj-1
            nodes: { count: 2, memoryMiB: 65536, arch: sparc }
          - name: Bad_Name
            region: x
            arch: [amd64]
            nodes: { count: 1, cpuMillis: 1, memoryMiB: 1 }
        """;

    assertThatThrownBy(() -> FleetFile.parse(yaml, "fleet.yaml"))
        .isInstanceOf(FleetException.class)
        .hasMessageStartingWith("invalid fleet file fleet.yaml:")
        .hasMessageContaining("clusters[0] (bj-1).nodes.count: must be between 1 and 100000, was 0")
        .hasMessageContaining("clusters[1] (bj-1).name: cluster 'bj-1' is defined twice")
        .hasMessageContaining("clusters[1] (bj-1).region: required")
        .hasMessageContaining("clusters[1] (bj-1).nodes.cpuMillis: required")
        .hasMessageContaining("clusters[1] (bj-1).arch: unknown architecture 'sparc'")
        .hasMessageContaining(
            "clusters[2] (Bad_Name).name: 'Bad_Name' is not a lower-case DNS label");
  }

  @Test
  void typosFailWithThePathAndLine() {
    String yaml =
        """
        clusters:
          - name: bj-1
            region: cn-north
            nodez: { count: 1, cpuMillis: 1, memoryMiB: 1 }
        """;

    assertThatThrownBy(() -> FleetFile.parse(yaml, "fleet.yaml"))
        .isInstanceOf(FleetException.class)
        .hasMessageContaining("clusters[0].nodez: unknown property (near line");
    assertThatThrownBy(() -> FleetFile.parse("clusters: []", "empty.yaml"))
        .hasMessageContaining("no clusters");
  }
}
