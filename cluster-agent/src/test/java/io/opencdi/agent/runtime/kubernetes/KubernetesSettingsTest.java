package io.opencdi.agent.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kubernetes runtime's settings refuse what would open a desktop to more than its agent. */
class KubernetesSettingsTest {

  private static KubernetesSettings withSoundFrom(String range) {
    return new KubernetesSettings(
        "k8s-1",
        Optional.empty(),
        Optional.empty(),
        "opencdi-desktops",
        "opencdi-system",
        Map.of("app.kubernetes.io/name", "opencdi-agent"),
        "longhorn",
        "longhorn",
        5901,
        Duration.ofMillis(100),
        Duration.ofMinutes(3),
        Duration.ofMinutes(10),
        true,
        Optional.ofNullable(range));
  }

  @Test
  void soundIsServedToTheAgentPodsRangeAloneNeverToEverybody() {
    assertThat(withSoundFrom("10.244.0.0/16").soundFrom()).contains("10.244.0.0/16");
    assertThat(withSoundFrom("10.0.0.0/8").soundFrom()).contains("10.0.0.0/8");
    // Unset or blank: desktops have no sound.
    assertThat(withSoundFrom(null).soundFrom()).isEmpty();
    assertThat(withSoundFrom(" ").soundFrom()).isEmpty();
    for (String wide :
        new String[] {"0.0.0.0/0", "10.0.0.0/7", "10.244.0.0", "10.244.0.0/33", "::/0", "x/16"}) {
      assertThatThrownBy(() -> withSoundFrom(wide))
          .as(wide)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("opencdi.agent.kubernetes.sound-from");
    }
  }
}
