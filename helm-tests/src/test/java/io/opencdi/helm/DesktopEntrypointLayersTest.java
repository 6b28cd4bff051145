package io.opencdi.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The desktop entrypoint's composition of application layers without OverlayFS (how desktop Pods
 * run: uid 1000, no capabilities), through its {@code layers} command, which mounts nothing.
 */
class DesktopEntrypointLayersTest {
  private static final Path ENTRYPOINT = Charts.ROOT.resolve("images/desktop/entrypoint.sh");

  @TempDir Path root;

  @Test
  void higherLayersComeFirstOnEverySearchPathAndTheImageLast() throws Exception {
    Path fonts = dirs(root.resolve("00-fonts"), "usr/share/fonts");
    Path gimp =
        dirs(
            root.resolve("01-gimp"),
            "usr/bin",
            "usr/lib/x86_64-linux-gnu",
            "usr/share",
            "opt/gimp/bin",
            "opt/gimp/lib");
    Path top = dirs(root.resolve("02-top"), "usr/local/bin", "usr/bin");

    Map<String, String> env =
        layers(String.join(":", fonts.toString(), gimp.toString(), top.toString()));

    assertThat(env.get("PATH"))
        .isEqualTo(
            String.join(
                ":",
                top + "/usr/local/bin",
                top + "/usr/bin",
                gimp + "/opt/gimp/bin",
                gimp + "/usr/bin",
                "/usr/bin",
                "/bin"));
    assertThat(env.get("LD_LIBRARY_PATH"))
        .isEqualTo(
            String.join(
                ":",
                gimp + "/opt/gimp/lib",
                gimp + "/usr/lib/x86_64-linux-gnu",
                gimp + "/usr/lib"));
    assertThat(env.get("XDG_DATA_DIRS"))
        .isEqualTo(
            String.join(
                ":", gimp + "/usr/share", fonts + "/usr/share", "/usr/local/share", "/usr/share"));
  }

  @Test
  void relativeOrMissingLayerDirectoriesAreSkippedAndNoLayersChangeNothing() throws Exception {
    Path gimp = dirs(root.resolve("00-gimp"), "usr/bin");
    Map<String, String> env = layers("relative/usr:" + root.resolve("missing") + ":" + gimp);
    assertThat(env.get("PATH")).isEqualTo(gimp + "/usr/bin:/usr/bin:/bin");

    Map<String, String> none = layers("");
    assertThat(none.get("PATH")).isEqualTo("/usr/bin:/bin");
    assertThat(none.get("LD_LIBRARY_PATH")).isEmpty();
  }

  private static Path dirs(Path layer, String... subdirectories) throws IOException {
    for (String sub : subdirectories) {
      Files.createDirectories(layer.resolve(sub));
    }
    return layer;
  }

  private static Map<String, String> layers(String opencdiLayers) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", ENTRYPOINT.toString(), "layers");
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/bin:/bin");
    builder.environment().put("OPENCDI_LAYERS", opencdiLayers);
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : List.of(out.split("\n"))) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }
}
