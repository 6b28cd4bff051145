package io.opencdi.helm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Lints and renders the charts under {@code helm/} with helm-java (Helm's own Go code). */
final class Charts {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path GATEWAY = ROOT.resolve("helm/opencdi-gateway");
  static final Path AGENT = ROOT.resolve("helm/opencdi-agent");
  static final String RELEASE = "opencdi";
  static final String NAMESPACE = "opencdi-system";
  private static final ObjectMapper YAML = new YAMLMapper();

  private Charts() {}

  /** {@code helm template} with the given values files (relative to the chart) and --set pairs. */
  static String template(Path chart, List<String> valuesFiles, Map<String, Object> sets) {
    ApiServer.ensureStarted();
    var command = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
    valuesFiles.forEach(f -> command.withValuesFile(chart.resolve(f)));
    sets.forEach(command::set);
    return command.call();
  }

  /** Renders and parses every document with the fabric8 model. */
  static Rendered render(Path chart, String... valuesFiles) {
    return render(chart, Arrays.asList(valuesFiles), Map.of());
  }

  static Rendered render(Path chart, List<String> valuesFiles, Map<String, Object> sets) {
    String yaml = template(chart, valuesFiles, sets);
    return new Rendered(yaml, parse(yaml));
  }

  /** Parses a multi-document YAML stream; empty documents are skipped. */
  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      objects.add((HasMetadata) Serialization.unmarshal(document));
    }
    return objects;
  }

  /**
   * {@code helm lint --strict} of the chart with a values file in place of its values.yaml: Helm's
   * lint reads only the chart's own values, and the charts require some (the database URL, the OIDC
   * issuer) that have no safe default.
   */
  static LintResult lint(Path chart, String valuesFile) {
    try {
      Path copy = Files.createTempDirectory("chart-lint").resolve(chart.getFileName());
      copyTree(chart, copy);
      if (valuesFile != null) {
        Map<String, Object> merged =
            deepMerge(readYaml(chart.resolve("values.yaml")), readYaml(chart.resolve(valuesFile)));
        YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
      }
      ApiServer.ensureStarted();
      return new Helm(copy).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Object> readYaml(Path file) {
    try {
      Map<String, Object> map = YAML.readValue(file.toFile(), new TypeReference<>() {});
      return map == null ? new LinkedHashMap<>() : map;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Helm's coalescing of values: maps merge key by key, anything else is replaced. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> overlay) {
    Map<String, Object> result = new LinkedHashMap<>(base);
    overlay.forEach(
        (key, value) -> {
          if (value instanceof Map<?, ?> m && result.get(key) instanceof Map<?, ?> b) {
            result.put(key, deepMerge((Map<String, Object>) b, (Map<String, Object>) m));
          } else {
            result.put(key, value);
          }
        });
    return result;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /** The rendered text and its parsed objects. */
  record Rendered(String yaml, List<HasMetadata> objects) {
    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
      List<T> found = all(type);
      if (found.size() != 1) {
        throw new AssertionError(
            "expected one " + type.getSimpleName() + ", found " + found.size());
      }
      return found.get(0);
    }

    List<HasMetadata> ofKind(String kind) {
      return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
    }
  }
}
