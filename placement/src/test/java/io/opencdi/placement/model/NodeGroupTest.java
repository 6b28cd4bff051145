package io.opencdi.placement.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NodeGroupTest {

  private final NodeGroup group = new NodeGroup("ng", "amd64", 8000, 16_384, 4, 3000, 4096, 1);

  @Test
  void freeCapacityIsAllocatableMinusUsed() {
    assertThat(group.freeCpuMillis()).isEqualTo(5000);
    assertThat(group.freeMemoryMiB()).isEqualTo(12_288);
    assertThat(group.freeDesktops()).isEqualTo(3);
  }

  @Test
  void fitsNeedsCpuMemoryAndASlot() {
    assertThat(group.fits(5000, 12_288)).isTrue();
    assertThat(group.fits(5001, 1)).isFalse();
    assertThat(group.fits(1, 12_289)).isFalse();
    NodeGroup noSlot = new NodeGroup("ng", "amd64", 8000, 16_384, 1, 0, 0, 1);
    assertThat(noSlot.fits(1, 1)).isFalse();
  }

  @Test
  void withAddedTakesAndReleasesCapacity() {
    NodeGroup taken = group.withAdded(2000, 4096, 1);
    assertThat(taken.usedCpuMillis()).isEqualTo(5000);
    assertThat(taken.usedMemoryMiB()).isEqualTo(8192);
    assertThat(taken.usedDesktops()).isEqualTo(2);
    assertThat(taken.withAdded(-2000, -4096, -1)).isEqualTo(group);
  }

  @Test
  void rejectsNegativeAllocatable() {
    assertThatThrownBy(() -> new NodeGroup("ng", "amd64", -1, 0, 0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
