package io.opencdi.loadtest.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Several agents share the fleet: every cluster is in exactly one agent's fleet file. */
class FleetTest {
  private static final Pattern CLUSTER =
      Pattern.compile("- name: (\\S+)\\n\\s+region: (\\S+)\\n\\s+zone: (\\S+)\\n");

  private static Settings settings(int agents, int clusters) {
    return new Settings(
        500, 2, agents, clusters, 20, 110, 100, 10, 10, false, Path.of("."), Path.of("."));
  }

  @Test
  void theAgentsFleetFilesHoldEveryClusterOnceWithItsRegionAndZone() {
    Settings s = settings(3, 10);
    List<String> seen = new ArrayList<>();
    for (int agent = 0; agent < s.agents(); agent++) {
      String yaml = Fleet.yaml(s, agent);
      assertThat(yaml).doesNotContain("generate:").contains("count: 20", "maxDesktops: 110");
      Matcher m = CLUSTER.matcher(yaml);
      while (m.find()) {
        seen.add(m.group(1));
        // As generate names them: <region>-NNN, zones <region>-a, -b, -c in turn.
        assertThat(m.group(1)).startsWith(m.group(2) + "-");
        assertThat(m.group(3)).matches(Pattern.quote(m.group(2)) + "-[abc]");
      }
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(Fleet.clusterNames(s));
    assertThat(Fleet.clustersOf(s, 1))
        .containsExactly("cn-east-002", "cn-north-005", "us-east-008");
    assertThat(Fleet.yaml(settings(3, 10), 1)).contains("name: cn-east-002", "zone: cn-east-a");
    assertThat(Fleet.yaml(settings(3, 10), 1)).contains("name: cn-north-005", "zone: cn-north-b");
    // One agent keeps the generated fleet.
    assertThat(Fleet.yaml(settings(1, 10), 0)).contains("generate:");
  }
}
