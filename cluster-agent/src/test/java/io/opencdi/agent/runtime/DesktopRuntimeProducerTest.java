package io.opencdi.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DesktopRuntimeProducerTest {

  @Test
  void simulatedRuntimeUsesTheBundledFleetByDefault() {
    try (DesktopRuntime runtime = DesktopRuntimeProducer.create(config("simulated"))) {
      assertThat(runtime.kind()).isEqualTo("simulated");
      assertThat(runtime.clusters()).extracting(c -> c.name()).contains("bj-1", "fra-1");
    }
  }

  @Test
  void anyOtherRuntimeFailsStartUpWithAClearMessage() {
    assertThatThrownBy(() -> DesktopRuntimeProducer.create(config("kubernetes")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("opencdi.agent.runtime=kubernetes is not supported by this build")
        .hasMessageContaining("use opencdi.agent.runtime=simulated");
  }

  private static RuntimeConfig config(String runtime) {
    return new RuntimeConfig() {
      @Override
      public String runtime() {
        return runtime;
      }

      @Override
      public Optional<Path> fleetFile() {
        return Optional.empty();
      }

      @Override
      public Simulated simulated() {
        return new Simulated() {
          @Override
          public Duration startLatencyMin() {
            return Duration.ofMillis(1);
          }

          @Override
          public Duration startLatencyMax() {
            return Duration.ofMillis(2);
          }

          @Override
          public Duration stopLatencyMin() {
            return Duration.ofMillis(1);
          }

          @Override
          public Duration stopLatencyMax() {
            return Duration.ofMillis(2);
          }

          @Override
          public java.util.Map<String, String> sharedDisplays() {
            return java.util.Map.of();
          }
        };
      }
    };
  }
}
