package io.opencdi.agent.runtime.simulated;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates fleet files of the simulated runtime. The format is documented in the
 * module's README; in short:
 *
 * <pre>{@code
 * failImages: ["opencdi/broken:*"]          # optional
 * clusters:
 *   - name: bj-1
 *     region: cn-north
 *     zone: cn-north-1a                      # default <region>-a
 *     arch: [amd64]                          # default: the pools' architectures, else amd64
 *     runtimeClasses: [runc, gvisor]         # default [runc]
 *     storageClasses: [longhorn]             # default [longhorn]
 *     cachedImages: [opencdi/desktop-xfce:0.1]
 *     ready: true                            # default true
 *     nodes: { count: 10, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }  # or a list
 * generate: { clusters: 100, nodesPerCluster: 200, regions: [cn-north, cn-east] }
 * }</pre>
 */
public final class FleetFile {
  /** Class-path resource used when no fleet file is configured. */
  public static final String DEFAULT_RESOURCE = "default-fleet.yaml";

  static final Set<String> ARCHITECTURES = Set.of("amd64", "arm64", "ppc64le", "s390x", "riscv64");
  static final int MAX_NODES_PER_POOL = 100_000;
  static final int MAX_GENERATED_CLUSTERS = 10_000;
  static final int MAX_TOTAL_NODES = 1_000_000;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final List<String> DEFAULT_REGIONS =
      List.of("cn-north", "cn-east", "eu-west", "us-east");

  private static final ObjectMapper YAML =
      YAMLMapper.builder()
          // A typo in a fleet file must fail loudly, not silently fall back to a default.
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private FleetFile() {}

  /** Loads {@code file}, or the bundled default fleet when it is empty. */
  public static Fleet load(Optional<Path> file) {
    return file.map(FleetFile::load).orElseGet(FleetFile::bundledDefault);
  }

  /** Loads and validates a fleet file. */
  public static Fleet load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new FleetException(
          file.toString(), List.of("cannot read it: " + e.getClass().getSimpleName()), e);
    }
    return parse(text, file.toString());
  }

  /** The fleet bundled as {@value #DEFAULT_RESOURCE}. */
  public static Fleet bundledDefault() {
    try (InputStream in = FleetFile.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("class-path resource " + DEFAULT_RESOURCE + " is missing");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  /**
   * Parses and validates fleet YAML.
   *
   * @param source names the text in error messages (a file name)
   * @throws FleetException listing every problem with the path of the bad entry
   */
  public static Fleet parse(String yaml, String source) {
    Document document;
    try {
      document = YAML.readValue(yaml, Document.class);
    } catch (JacksonException e) {
      throw new FleetException(source, List.of(describe(e)), e);
    }
    if (document == null) {
      throw new FleetException(source, List.of("the file is empty"), null);
    }
    return new Validator().validate(document, source);
  }

  private static String describe(JacksonException e) {
    String where = "";
    JsonLocation location = e.getLocation();
    if (location != null && location.getLineNr() > 0) {
      // Jackson reports where it stopped reading, which may be just after the bad entry.
      where = " (near line " + location.getLineNr() + ")";
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return path(unknown)
          + ": unknown property"
          + where
          + "; known properties: "
          + unknown.getKnownPropertyIds();
    }
    String path = e instanceof JsonMappingException mapping ? path(mapping) : "";
    return (path.isEmpty() ? "" : path + ": ") + e.getOriginalMessage() + where;
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  // --- the file's shape; every field is optional here so that validation can say what is missing

  record Document(List<ClusterEntry> clusters, Generate generate, List<String> failImages) {}

  record ClusterEntry(
      String name,
      String region,
      String zone,
      List<String> arch,
      List<String> runtimeClasses,
      List<String> storageClasses,
      List<String> cachedImages,
      Boolean ready,
      List<NodePool> nodes) {}

  record NodePool(
      Integer count,
      Long cpuMillis,
      Long memoryMiB,
      Integer maxDesktops,
      String arch,
      Long externalCpuMillis,
      Long externalMemoryMiB) {}

  record Generate(
      Integer clusters,
      Integer nodesPerCluster,
      List<String> regions,
      Integer zonesPerRegion,
      Long cpuMillis,
      Long memoryMiB,
      Integer maxDesktops,
      String arch,
      List<String> runtimeClasses,
      List<String> storageClasses,
      List<String> cachedImages) {}

  private static final class Validator {
    private final List<String> problems = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int totalNodes;

    Fleet validate(Document doc, String source) {
      List<Fleet.Cluster> clusters = new ArrayList<>();
      List<ClusterEntry> entries = doc.clusters() == null ? List.of() : doc.clusters();
      for (int i = 0; i < entries.size(); i++) {
        Fleet.Cluster cluster = cluster("clusters[" + i + "]", entries.get(i));
        if (cluster != null) {
          clusters.add(cluster);
        }
      }
      if (doc.generate() != null) {
        clusters.addAll(generate(doc.generate()));
      }
      if (clusters.isEmpty() && problems.isEmpty()) {
        problems.add("no clusters: list them under 'clusters' or ask for some with 'generate'");
      }
      if (totalNodes > MAX_TOTAL_NODES) {
        problems.add(
            "the fleet has " + totalNodes + " nodes; at most " + MAX_TOTAL_NODES + " are allowed");
      }
      List<String> failImages = strings("failImages", doc.failImages(), List.of());
      if (!problems.isEmpty()) {
        throw new FleetException(source, problems, null);
      }
      return new Fleet(clusters, failImages);
    }

    private Fleet.Cluster cluster(String at, ClusterEntry entry) {
      if (entry == null) {
        problems.add(at + ": empty entry");
        return null;
      }
      int before = problems.size();
      String name = entry.name();
      String label = name == null ? at : at + " (" + name + ")";
      name(label, name);
      String region = required(label + ".region", entry.region());
      String zone = entry.zone() == null ? region + "-a" : required(label + ".zone", entry.zone());
      List<NodePool> pools = entry.nodes() == null ? List.of() : entry.nodes();
      if (pools.isEmpty()) {
        problems.add(
            label + ".nodes: required, e.g. { count: 10, cpuMillis: 16000, memoryMiB: 65536 }");
      }
      LinkedHashSet<String> poolArchs = new LinkedHashSet<>();
      for (NodePool pool : pools) {
        if (pool != null && pool.arch() != null) {
          poolArchs.add(pool.arch());
        }
      }
      List<String> archs =
          strings(
              label + ".arch",
              entry.arch(),
              poolArchs.isEmpty() ? List.of("amd64") : List.copyOf(poolArchs));
      for (String arch : archs) {
        if (!ARCHITECTURES.contains(arch)) {
          problems.add(
              label + ".arch: unknown architecture '" + arch + "', use one of " + sorted());
        }
      }
      List<String> runtimeClasses =
          strings(label + ".runtimeClasses", entry.runtimeClasses(), List.of("runc"));
      List<String> storageClasses =
          strings(label + ".storageClasses", entry.storageClasses(), List.of("longhorn"));
      List<String> cachedImages = strings(label + ".cachedImages", entry.cachedImages(), List.of());
      List<Fleet.Node> nodes = new ArrayList<>();
      for (int p = 0; p < pools.size(); p++) {
        String poolAt = pools.size() == 1 ? label + ".nodes" : label + ".nodes[" + p + "]";
        pool(poolAt, pools.get(p), name, archs, nodes);
      }
      if (problems.size() > before) {
        return null;
      }
      boolean ready = entry.ready() == null || entry.ready();
      return new Fleet.Cluster(
          name, region, zone, archs, runtimeClasses, storageClasses, cachedImages, ready, nodes);
    }

    private void pool(
        String at, NodePool pool, String cluster, List<String> archs, List<Fleet.Node> nodes) {
      if (pool == null) {
        problems.add(at + ": empty entry");
        return;
      }
      int before = problems.size();
      int count = range(at + ".count", pool.count(), null, 1, MAX_NODES_PER_POOL);
      long cpu = range(at + ".cpuMillis", pool.cpuMillis(), null, 1, Long.MAX_VALUE);
      long memory = range(at + ".memoryMiB", pool.memoryMiB(), null, 1, Long.MAX_VALUE);
      int maxDesktops = range(at + ".maxDesktops", pool.maxDesktops(), 110, 1, 10_000);
      long extCpu = range(at + ".externalCpuMillis", pool.externalCpuMillis(), 0L, 0, cpu);
      long extMemory = range(at + ".externalMemoryMiB", pool.externalMemoryMiB(), 0L, 0, memory);
      String arch = pool.arch() == null ? archs.get(0) : pool.arch();
      if (!archs.contains(arch)) {
        problems.add(at + ".arch: '" + arch + "' is not among the cluster's arch " + archs);
      }
      if (problems.size() > before || cluster == null) {
        return;
      }
      totalNodes += count;
      if (totalNodes > MAX_TOTAL_NODES) {
        return;
      }
      for (int i = 0; i < count; i++) {
        nodes.add(
            new Fleet.Node(
                nodeName(cluster, nodes.size() + 1),
                arch,
                cpu,
                memory,
                maxDesktops,
                extCpu,
                extMemory));
      }
    }

    private List<Fleet.Cluster> generate(Generate gen) {
      int before = problems.size();
      int count = range("generate.clusters", gen.clusters(), null, 1, MAX_GENERATED_CLUSTERS);
      int nodesPer =
          range("generate.nodesPerCluster", gen.nodesPerCluster(), 10, 1, MAX_NODES_PER_POOL);
      List<String> regions = strings("generate.regions", gen.regions(), DEFAULT_REGIONS);
      int zones = range("generate.zonesPerRegion", gen.zonesPerRegion(), 3, 1, 26);
      long cpu = range("generate.cpuMillis", gen.cpuMillis(), 16_000L, 1, Long.MAX_VALUE);
      long memory = range("generate.memoryMiB", gen.memoryMiB(), 65_536L, 1, Long.MAX_VALUE);
      int maxDesktops = range("generate.maxDesktops", gen.maxDesktops(), 110, 1, 10_000);
      String arch = gen.arch() == null ? "amd64" : gen.arch();
      if (!ARCHITECTURES.contains(arch)) {
        problems.add("generate.arch: unknown architecture '" + arch + "', use one of " + sorted());
      }
      List<String> runtimeClasses =
          strings("generate.runtimeClasses", gen.runtimeClasses(), List.of("runc", "gvisor"));
      List<String> storageClasses =
          strings("generate.storageClasses", gen.storageClasses(), List.of("longhorn"));
      List<String> cachedImages = strings("generate.cachedImages", gen.cachedImages(), List.of());
      for (String region : regions) {
        if (!DNS_LABEL.matcher(region).matches()) {
          problems.add("generate.regions: '" + region + "' is not a lower-case DNS label");
        }
      }
      if (problems.size() > before) {
        return List.of();
      }
      totalNodes += count * nodesPer;
      if (totalNodes > MAX_TOTAL_NODES) {
        return List.of();
      }
      List<Fleet.Cluster> clusters = new ArrayList<>(count);
      for (int i = 1; i <= count; i++) {
        String region = regions.get((i - 1) % regions.size());
        int zone = ((i - 1) / regions.size()) % zones;
        String name = region + "-" + String.format(Locale.ROOT, "%03d", i);
        name("generate (cluster " + name + ")", name);
        List<Fleet.Node> nodes = new ArrayList<>(nodesPer);
        for (int n = 1; n <= nodesPer; n++) {
          nodes.add(new Fleet.Node(nodeName(name, n), arch, cpu, memory, maxDesktops, 0, 0));
        }
        clusters.add(
            new Fleet.Cluster(
                name,
                region,
                region + "-" + (char) ('a' + zone),
                List.of(arch),
                runtimeClasses,
                storageClasses,
                cachedImages,
                true,
                nodes));
      }
      return clusters;
    }

    private void name(String at, String name) {
      if (name == null || name.isBlank()) {
        problems.add(at + ".name: required");
      } else if (!DNS_LABEL.matcher(name).matches()) {
        problems.add(
            at + ".name: '" + name + "' is not a lower-case DNS label (a-z, 0-9, '-', max 63)");
      } else if (!names.add(name)) {
        problems.add(at + ".name: cluster '" + name + "' is defined twice");
      }
    }

    private String required(String at, String value) {
      if (value == null || value.isBlank()) {
        problems.add(at + ": required");
        return "";
      }
      return value;
    }

    private List<String> strings(String at, List<String> values, List<String> fallback) {
      if (values == null) {
        return fallback;
      }
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i) == null || values.get(i).isBlank()) {
          problems.add(at + "[" + i + "]: empty value");
          return fallback;
        }
      }
      return List.copyOf(new LinkedHashSet<>(values));
    }

    private int range(String at, Integer value, Integer fallback, int min, int max) {
      return (int) range(at, value == null ? null : value.longValue(), fallback, min, max);
    }

    private long range(String at, Long value, Number fallback, long min, long max) {
      if (value == null) {
        if (fallback == null) {
          problems.add(at + ": required");
          return min;
        }
        return fallback.longValue();
      }
      if (value < min || value > max) {
        problems.add(
            at
                + ": must be "
                + (max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max)
                + ", was "
                + value);
        return min;
      }
      return value;
    }

    private static String sorted() {
      return ARCHITECTURES.stream().sorted().toList().toString();
    }
  }

  /** Node names as the simulated clusters report them, e.g. {@code bj-1-node-003}. */
  static String nodeName(String cluster, int index) {
    return cluster + "-node-" + String.format(Locale.ROOT, "%03d", index);
  }
}
