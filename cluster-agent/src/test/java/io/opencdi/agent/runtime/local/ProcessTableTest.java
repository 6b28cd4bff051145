package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.protocol.ProcessUsage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reads a real process tree from /proc: a group with a busy process, an idle one and a child. */
class ProcessTableTest {
  private Process group;

  @AfterEach
  void kill() {
    if (group != null) {
      HostCommands.signalGroup(group.pid(), "KILL");
    }
  }

  @Test
  void measuresEveryProcessOfTheGroupAndItsDescendants() throws Exception {
    // setsid makes the shell the leader of a new group (pgid = its pid); the second shell leaves
    // the group, as xterm's shell does, and must still count as the desktop's.
    group =
        new ProcessBuilder(
                "setsid",
                "sh",
                "-c",
                "while :; do :; done & sleep 61 & setsid sh -c 'sleep 62' & wait")
            .start();
    long pgid = group.pid();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessTable.scan(List.of(pgid)).size() >= 4);

    Map<Long, ProcessTable.GroupUsage> usage =
        ProcessTable.measure(List.of(pgid), Duration.ofMillis(500));

    ProcessTable.GroupUsage desktop = usage.get(pgid);
    assertThat(desktop).isNotNull();
    assertThat(desktop.processes())
        .extracting(ProcessUsage::command)
        .contains("sleep 61", "sleep 62");
    assertThat(desktop.processes()).allSatisfy(p -> assertThat(p.rssBytes()).isPositive());
    assertThat(desktop.memoryBytes())
        .isEqualTo(desktop.processes().stream().mapToLong(ProcessUsage::rssBytes).sum());
    // The busy loop (a forked shell) is first: the list is sorted by CPU now.
    ProcessUsage busiest = desktop.processes().get(0);
    assertThat(busiest.command()).startsWith("sh -c while");
    assertThat(busiest.cpuPercent()).isGreaterThan(5.0);
    assertThat(desktop.cpuMillis()).isGreaterThan(50);
    ProcessUsage sleeper =
        desktop.processes().stream()
            .filter(p -> p.command().equals("sleep 61"))
            .findFirst()
            .orElseThrow();
    assertThat(sleeper.cpuPercent()).isLessThan(5.0);
  }

  @Test
  void anUnknownGroupHasNoEntry() {
    assertThat(ProcessTable.measure(List.of(999_999_999L), Duration.ofMillis(10))).isEmpty();
  }

  @Test
  void namesWithSpacesAndParenthesesParse() {
    String stat =
        "4242 (my (odd) name) S 1 4240 4240 0 -1 4194304 100 0 0 0 150 50 0 0 20 0 1 0 12345"
            + " 1000000 300 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    ProcessTable.Sample sample = ProcessTable.parseStat(4242, stat);
    assertThat(sample.name()).isEqualTo("my (odd) name");
    assertThat(sample.ppid()).isEqualTo(1);
    assertThat(sample.pgid()).isEqualTo(4240);
    assertThat(sample.cpuTicks()).isEqualTo(200);
    assertThat(sample.rssBytes()).isPositive();
    assertThat(ProcessTable.parseStat(1, "1 (z) Z 0 1 1 0 -1 0 0 0 0 0 0 0")).isNull();
  }
}
