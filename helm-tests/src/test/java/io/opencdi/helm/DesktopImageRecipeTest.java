package io.opencdi.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The desktop image has two recipes: the Dockerfile (for registries and container engines) and
 * {@code build-oci.sh} (Debian's mmdebstrap and umoci, no engine). Both must install the same
 * packages, or a desktop from {@code ./opencdi up} would differ from the one Kubernetes runs.
 */
class DesktopImageRecipeTest {
  private static final Path DIR = Charts.ROOT.resolve("images/desktop");
  private static final Pattern SESSION_CASE =
      Pattern.compile("\\b(openbox|xfce)\\)\\s*(session_pkgs=.*?);;");

  @Test
  void theDockerfileAndTheOciScriptInstallTheSamePackagesForEachSession() throws IOException {
    Map<String, Set<String>> docker = dockerfile();
    Map<String, Set<String>> script = script();
    assertThat(docker).containsOnlyKeys("openbox", "xfce");
    assertThat(script).isEqualTo(docker);
    // The lists are real lists: the display server and the session are in both.
    assertThat(docker.get("openbox")).contains("tigervnc-standalone-server", "tini", "openbox");
    assertThat(docker.get("xfce")).contains("xfce4", "dbus-x11").doesNotContain("openbox");
  }

  @Test
  void bothMakeTheSameUserAndRunTheSameEntrypoint() throws IOException {
    String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
    String script = Files.readString(DIR.resolve("build-oci.sh"));
    String user =
        "useradd --uid 1000 --user-group --create-home --home-dir /home/desktop --shell /bin/bash"
            + " desktop";
    assertThat(dockerfile).contains(user);
    assertThat(script).contains(user);
    assertThat(dockerfile)
        .contains("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/opencdi-entrypoint\"]");
    assertThat(script)
        .contains(
            "--config.entrypoint /usr/bin/tini --config.entrypoint --",
            "--config.entrypoint /usr/local/bin/opencdi-entrypoint",
            "--config.user 1000:1000",
            "--config.exposedports 5901/tcp");
  }

  /** Session → packages of the Dockerfile's one {@code apt-get install}. */
  private static Map<String, Set<String>> dockerfile() throws IOException {
    String text = Files.readString(DIR.resolve("Dockerfile")).replace("\\\n", " ");
    Matcher install =
        Pattern.compile("apt-get install -y --no-install-recommends\\s+(.*?)\\$session_pkgs")
            .matcher(text);
    assertThat(install.find()).as("the Dockerfile's apt-get install").isTrue();
    Set<String> common = words(install.group(1));
    Map<String, Set<String>> out = new LinkedHashMap<>();
    Matcher session = SESSION_CASE.matcher(text);
    while (session.find()) {
      Matcher pkgs = Pattern.compile("session_pkgs=\"([^\"]*)\"").matcher(session.group(2));
      assertThat(pkgs.find()).as(session.group()).isTrue();
      Set<String> all = new TreeSet<>(common);
      all.addAll(words(pkgs.group(1)));
      out.put(session.group(1), all);
    }
    return out;
  }

  /** Session → packages of {@code build-oci.sh}'s two arrays. */
  private static Map<String, Set<String>> script() throws IOException {
    String text = Files.readString(DIR.resolve("build-oci.sh"));
    Matcher common = Pattern.compile("(?m)^common_pkgs=\\(([^)]*)\\)").matcher(text);
    assertThat(common.find()).as("build-oci.sh's common_pkgs").isTrue();
    Map<String, Set<String>> out = new LinkedHashMap<>();
    Matcher session = SESSION_CASE.matcher(text);
    while (session.find()) {
      Matcher pkgs = Pattern.compile("session_pkgs=\\(([^)]*)\\)").matcher(session.group(2));
      assertThat(pkgs.find()).as(session.group()).isTrue();
      Set<String> all = words(common.group(1));
      all.addAll(words(pkgs.group(1)));
      out.put(session.group(1), all);
    }
    return out;
  }

  private static Set<String> words(String s) {
    Set<String> out = new TreeSet<>(Arrays.asList(s.trim().split("\\s+")));
    out.remove("");
    return out;
  }
}
