package io.opencdi.gateway.applayer;

import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.protocol.AppLayer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The rules of a desktop's layers and the form they are stored in (a JSON array in a text column,
 * lowest layer first). A desktop gets its template's layers, then the ones its user adds at launch;
 * one version of a name at most, and at most {@value #MAX_LAYERS} in all (each is a mount and an
 * OverlayFS lower directory: the kernel and the kubelet both put limits on them).
 */
public final class LayerStack {
  public static final int MAX_LAYERS = 16;

  /**
   * A DNS label, as the agents use it in mount paths and Kubernetes volume names; template names
   * follow the same rule.
   */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * An OCI image reference: registry, repository, tag or digest; no spaces or shell syntax. Also
   * the rule for a template's desktop image.
   */
  public static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}");

  private LayerStack() {}

  /** Checks a new layer's fields; throws {@link ValidationException} naming the first bad one. */
  public static void validate(String name, String version, String image) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ValidationException(
          "name must be a DNS label: lower-case letters, digits and '-', at most 63");
    }
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new ValidationException(
          "version must be 1 to 64 letters, digits, '.', '_' or '-', such as 2.10.3");
    }
    if (image == null || !IMAGE.matcher(image).matches()) {
      throw new ValidationException("image must be an image reference such as repo/name:tag");
    }
  }

  /**
   * The layers a desktop gets: {@code base} (its template's) then {@code added}, each once; a layer
   * asked for twice is kept once, two versions of one name are refused.
   */
  public static List<Layer> compose(List<Layer> base, List<Layer> added) {
    Map<String, Layer> byName = new LinkedHashMap<>();
    List<Layer> all = new ArrayList<>(base);
    all.addAll(added);
    for (Layer l : all) {
      Layer before = byName.putIfAbsent(l.name(), l);
      if (before != null && !before.version().equals(l.version())) {
        throw new ValidationException(
            "apps holds two versions of '"
                + l.name()
                + "' ("
                + before.version()
                + " and "
                + l.version()
                + "): a desktop runs one");
      }
    }
    if (byName.size() > MAX_LAYERS) {
      throw new ValidationException("a desktop may have at most " + MAX_LAYERS + " app layers");
    }
    return List.copyOf(byName.values());
  }

  /**
   * The layers named by {@code ids}, in the order asked for; throws {@link NotFoundException} for
   * an id that names none.
   */
  public static List<Layer> resolve(List<UUID> ids, Map<UUID, Layer> known) {
    List<Layer> out = new ArrayList<>(ids.size());
    for (UUID id : ids) {
      Layer l = known.get(id);
      if (l == null) {
        throw new NotFoundException("no app layer with id " + id);
      }
      out.add(l);
    }
    return out;
  }

  public static String toJson(List<Layer> layers) {
    JsonArray a = new JsonArray();
    for (Layer l : layers) {
      a.add(
          new JsonObject()
              .put("id", l.id().toString())
              .put("name", l.name())
              .put("version", l.version())
              .put("image", l.image()));
    }
    return a.encode();
  }

  /** Parsed once per distinct text: many desktops share their template's few stacks. */
  public static List<Layer> fromJson(String json) {
    if (json == null || json.isEmpty() || "[]".equals(json)) {
      return List.of();
    }
    return CACHE.computeIfAbsent(json, LayerStack::parse);
  }

  public static List<AppLayer> toProtocol(String json) {
    return fromJson(json).stream().map(Layer::toProtocol).toList();
  }

  private static List<Layer> parse(String json) {
    JsonArray a = new JsonArray(json);
    List<Layer> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      JsonObject o = a.getJsonObject(i);
      out.add(
          new Layer(
              UUID.fromString(o.getString("id")),
              o.getString("name"),
              o.getString("version"),
              o.getString("image")));
    }
    return List.copyOf(out);
  }

  // Least recently used first out: stacks are few (templates' and their launch additions).
  private static final Map<String, List<Layer>> CACHE =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, List<Layer>> eldest) {
              return size() > 1024;
            }
          });
}
