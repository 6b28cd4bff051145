package io.opencdi.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** No values file of any chart holds a secret: they are supplied as Secrets or generated. */
class ValuesFilesTest {
  /** Keys that would hold a secret value. */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|passwd|token|secret|credential|privatekey|apikey).*");

  /** Keys that only name a Secret or a key inside one. */
  private static final Pattern REFERENCE_KEY =
      Pattern.compile("(?i)(existingSecret|secretName|.*Key|name)");

  @Test
  void valuesFilesHoldNoSecrets() throws IOException {
    List<Path> files = valuesFiles();
    assertThat(files).hasSizeGreaterThanOrEqualTo(7);
    List<String> findings = new ArrayList<>();
    for (Path file : files) {
      scan(Charts.ROOT.relativize(file).toString(), Charts.readYaml(file), findings);
      // Image digests are public; anything else this long and random is suspect.
      String text = Files.readString(file).replaceAll("sha256:[0-9a-f]{64}", "sha256:digest");
      // Key material pasted anywhere, also under an innocent key.
      if (text.contains("-----BEGIN") || text.matches("(?s).*\\b[A-Za-z0-9+/]{60,}={0,2}\\b.*")) {
        findings.add(file + ": looks like key material");
      }
    }
    assertThat(findings).isEmpty();
  }

  @Test
  void theScanFindsASecretWhereOneIs() {
    List<String> findings = new ArrayList<>();
    scan(
        "example",
        Map.of(
            "database",
            Map.of("password", "hunter2", "existingSecret", "db", "passwordKey", "password"),
            "agents",
            Map.of("bootstrap", Map.of("token", "abc"))),
        findings);
    assertThat(findings)
        .containsExactlyInAnyOrder("example: database.password", "example: agents.bootstrap.token");
  }

  @SuppressWarnings("unchecked")
  private static void scan(String where, Object node, List<String> findings, String path) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            String child = path.isEmpty() ? key : path + "." + key;
            if (v instanceof String s
                && !s.isEmpty()
                && SECRET_KEY.matcher(key).matches()
                && !REFERENCE_KEY.matcher(key).matches()) {
              findings.add(where + ": " + child);
            }
            scan(where, v, findings, child);
          });
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        scan(where, list.get(i), findings, path + "[" + i + "]");
      }
    }
  }

  private static void scan(String where, Object node, List<String> findings) {
    scan(where, node, findings, "");
  }

  private static List<Path> valuesFiles() throws IOException {
    try (Stream<Path> paths = Files.walk(Charts.ROOT.resolve("helm"))) {
      return paths
          .filter(p -> p.getFileName().toString().matches("values.*\\.ya?ml"))
          .sorted()
          .toList();
    }
  }
}
