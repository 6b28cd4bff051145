package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a desktop's limits are written to on a cgroup v2 host (this machine has v1 hierarchies,
 * which the local runtime's desktop tests use for real): a directory laid out as the kernel's
 * unified hierarchy stands in for {@code /sys/fs/cgroup}.
 */
class DesktopCgroupsTest {
  @TempDir Path root;

  @Test
  void onAUnifiedHierarchyOneGroupCarriesThePidsMemoryAndCpuLimits() throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
    Files.writeString(root.resolve("cgroup.subtree_control"), "");

    DesktopCgroups groups = DesktopCgroups.create(root, "d1", 200_001, 512, 2048, 1500);

    Path dir = root.resolve("opencdi").resolve("200001");
    assertThat(groups.dirs()).containsExactly(dir);
    assertThat(groups.procs()).containsExactly(dir.resolve("cgroup.procs"));
    assertThat(root.resolve("cgroup.subtree_control")).hasContent("+pids +memory +cpu");
    assertThat(dir.resolve("pids.max")).hasContent("512");
    assertThat(dir.resolve("memory.max")).hasContent(Long.toString(2048L << 20));
    assertThat(dir.resolve("cpu.max")).hasContent("150000 100000");

    // The kernel's counters, as it writes them, become the desktop's usage.
    Files.writeString(dir.resolve("pids.current"), "512\n");
    Files.writeString(dir.resolve("pids.events"), "max 37\n");
    Files.writeString(dir.resolve("memory.current"), "1048576\n");
    Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    assertThat(groups.usage())
        .isEqualTo(new DesktopCgroups.Usage(512, 512, 37, 1 << 20, 2048L << 20, 1));
  }

  @Test
  void onV1HierarchiesEachControllerHasItsGroupAndUnwritableOnesAreSkipped() throws IOException {
    Files.createDirectories(root.resolve("pids"));
    Files.createDirectories(root.resolve("cpu"));
    // No memory hierarchy mounted: that limit is skipped, the others still apply.

    DesktopCgroups groups = DesktopCgroups.create(root, "d1", 200_002, 256, 1024, 250);

    assertThat(groups.dirs())
        .containsExactly(root.resolve("pids/opencdi/200002"), root.resolve("cpu/opencdi/200002"));
    assertThat(root.resolve("pids/opencdi/200002/pids.max")).hasContent("256");
    assertThat(root.resolve("cpu/opencdi/200002/cpu.cfs_quota_us")).hasContent("25000");
    assertThat(root.resolve("cpu/opencdi/200002/cpu.cfs_period_us")).hasContent("100000");
    assertThat(groups.usage().memoryMax()).isEqualTo(-1);
  }
}
