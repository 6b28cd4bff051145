package io.opencdi.placement.framework;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ClusterEvaluationTest {

  private static ClusterEvaluation with(FilterVerdict... verdicts) {
    return new ClusterEvaluation(
        "c", "c", List.of(verdicts), List.of(), OptionalInt.empty(), Optional.empty());
  }

  @Test
  void feasibleOnlyWhenEveryFilterPassed() {
    assertThat(with(new FilterVerdict("A", true, ""), new FilterVerdict("B", true, "")).feasible())
        .isTrue();
    ClusterEvaluation failed =
        with(
            new FilterVerdict("A", false, "cordoned"),
            new FilterVerdict("B", true, ""),
            new FilterVerdict("C", false, "cluster not ready"));
    assertThat(failed.feasible()).isFalse();
    assertThat(failed.reasons()).containsExactly("cordoned", "cluster not ready");
  }

  @Test
  void filterResultFactoriesCarryStatusAndReason() {
    assertThat(FilterResult.success().isSuccess()).isTrue();
    assertThat(FilterResult.unschedulable("full"))
        .isEqualTo(new FilterResult(FilterResult.Status.UNSCHEDULABLE, "full"));
    assertThat(FilterResult.error("bad").isSuccess()).isFalse();
  }
}
