package io.opencdi.placement.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileTest {

  @Test
  void defaultsEnableEveryRegisteredPlugin() {
    Profile profile = Profile.defaults();
    PluginRegistry registry = PluginRegistry.defaults();
    assertThat(profile.filters()).containsExactlyInAnyOrderElementsOf(registry.filterNames());
    assertThat(profile.scores())
        .extracting(Profile.WeightedScore::plugin)
        .containsExactlyInAnyOrderElementsOf(registry.scoreNames());
  }

  @Test
  void dataLocalityOutweighsUserLocalityWhichOutweighsTheRest() {
    List<Profile.WeightedScore> scores = Profile.defaults().scores();
    assertThat(scores.getFirst()).isEqualTo(new Profile.WeightedScore("DataLocality", 5));
    assertThat(scores.get(1)).isEqualTo(new Profile.WeightedScore("UserLocality", 3));
    assertThat(scores.subList(2, scores.size()))
        .allSatisfy(s -> assertThat(s.weight()).isEqualTo(1));
  }

  @Test
  void withWeightReplacesInPlaceOrAppends() {
    Profile profile =
        new Profile(
            List.of("NodeFit"),
            List.of(new Profile.WeightedScore("A", 1), new Profile.WeightedScore("B", 2)));
    assertThat(profile.withWeight("A", 7).scores())
        .containsExactly(new Profile.WeightedScore("A", 7), new Profile.WeightedScore("B", 2));
    assertThat(profile.withWeight("C", 3).scores())
        .hasSize(3)
        .last()
        .isEqualTo(new Profile.WeightedScore("C", 3));
  }

  @Test
  void rejectsDuplicatesAndWeightsBelowOne() {
    assertThatThrownBy(() -> new Profile(List.of("NodeFit", "NodeFit"), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new Profile(
                    List.of(),
                    List.of(new Profile.WeightedScore("A", 1), new Profile.WeightedScore("A", 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicate score plugin A");
    assertThatThrownBy(() -> new Profile.WeightedScore("A", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
