package io.opencdi.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.agent.runtime.local.LocalConfig;
import io.opencdi.agent.runtime.local.LocalSettings;
import io.opencdi.agent.runtime.local.PrintRetention;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    assertThatThrownBy(() -> DesktopRuntimeProducer.create(config("vmware")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("opencdi.agent.runtime=vmware is not supported by this build")
        .hasMessageContaining("use opencdi.agent.runtime=simulated");
  }

  @Test
  void aListOfRuntimesServesTheSimulatedFleetAndTheLocalClusterInOneAgent(@TempDir Path tmp)
      throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    RuntimeConfig config =
        mapped(
            Map.of(
                "opencdi.agent.runtime", "simulated, local",
                "opencdi.agent.local.data-dir", tmp.resolve("data").toString(),
                "opencdi.agent.local.entrypoint", entrypoint().toString()));
    try (DesktopRuntime runtime = DesktopRuntimeProducer.create(config)) {
      assertThat(runtime).isInstanceOf(CompositeRuntime.class);
      assertThat(runtime.kind()).isEqualTo("simulated,local");
      assertThat(runtime.clusters()).extracting(c -> c.name()).contains("bj-1", "local");
      assertThat(runtime.cluster("local").orElseThrow().storageClasses())
          .containsExactly("local-home");
      assertThat(runtime.cluster("local").orElseThrow().runtimeClasses()).contains("runc");
    }
  }

  @Test
  void aMissingEntrypointFailsStartUpWithAClearMessage(@TempDir Path tmp) {
    RuntimeConfig config =
        mapped(
            Map.of(
                "opencdi.agent.runtime", "local",
                "opencdi.agent.local.data-dir", tmp.toString(),
                "opencdi.agent.local.entrypoint", "/nonexistent/entrypoint.sh"));
    assertThatThrownBy(() -> DesktopRuntimeProducer.create(config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "opencdi.agent.local.entrypoint=/nonexistent/entrypoint.sh is not an executable file;"
                + " point it at the desktop image's entrypoint.sh");
  }

  @Test
  void eachDesktopKeepsItsNewest100PrintsAnd256MibUnlessConfiguredOtherwise(@TempDir Path tmp) {
    Map<String, String> base =
        Map.of(
            "opencdi.agent.runtime", "local",
            "opencdi.agent.local.data-dir", tmp.toString(),
            "opencdi.agent.local.entrypoint", entrypoint().toString());
    assertThat(LocalSettings.from(mapped(base).local()).hygiene().prints())
        .isEqualTo(new PrintRetention(100, 256L << 20));

    Map<String, String> configured = new HashMap<>(base);
    configured.put("opencdi.agent.local.hygiene.prints-max-count", "20");
    configured.put("opencdi.agent.local.hygiene.prints-max-bytes", "67108864");
    assertThat(LocalSettings.from(mapped(configured).local()).hygiene().prints())
        .isEqualTo(new PrintRetention(20, 64L << 20));

    configured.put("opencdi.agent.local.hygiene.prints-max-bytes", "256");
    assertThatThrownBy(() -> LocalSettings.from(mapped(configured).local()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prints-max-bytes at least 1048576");
  }

  /** The real mapping with its defaults, as Quarkus builds it. */
  private static RuntimeConfig mapped(Map<String, String> properties) {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withMapping(RuntimeConfig.class)
            .withConverter(Duration.class, 200, new DurationConverter())
            .withSources(new PropertiesConfigSource(properties, "test", 500))
            .build();
    return config.getConfigMapping(RuntimeConfig.class);
  }

  private static Path entrypoint() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("images/desktop/entrypoint.sh");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("images/desktop/entrypoint.sh not found");
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
      public LocalConfig local() {
        throw new UnsupportedOperationException("not used by these tests");
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

          @Override
          public java.util.Map<String, Duration> liveDelays() {
            return java.util.Map.of();
          }
        };
      }
    };
  }
}
