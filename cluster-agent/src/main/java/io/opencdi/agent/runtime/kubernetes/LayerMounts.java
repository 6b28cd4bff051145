package io.opencdi.agent.runtime.kubernetes;

import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.protocol.AppLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a desktop's application layers are mounted in its container: layer {@code i} (lowest first)
 * at {@code /opt/opencdi/layers/<i>-<name>}, the position zero-padded so that the directories sort
 * in layer order. Pure: names that could leave the mount root are never used as they are.
 */
public final class LayerMounts {
  /** Directory under which every layer is mounted. */
  public static final String ROOT = "/opt/opencdi/layers";

  /** Environment variable of the desktop container: the layer directories, lowest first. */
  public static final String ENV = "OPENCDI_LAYERS";

  /** Where the fallback's init container sees the emptyDir it copies a layer into. */
  public static final String COPY_TARGET = "/opencdi-layer";

  /**
   * The fallback's copy, run by {@code /bin/sh} in the layer's own image: its {@code usr} and
   * {@code opt} trees, which are what the desktop's entrypoint composes. {@code -R -P} copies
   * symbolic links as links (never follows them out of the layer) and, unlike {@code -a}, does not
   * try to keep owners, which a non-root copy cannot; modes are kept apart from the umask.
   */
  public static final String COPY_SCRIPT =
      "set -e; umask 022; for d in usr opt; do if [ -d \"/$d\" ]; then cp -R -P \"/$d\" "
          + COPY_TARGET
          + "/; fi; done";

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final int MAX_NAME = 63;

  /**
   * One layer's mount.
   *
   * @param position index in the layer list, lowest layer 0
   * @param volume the Pod volume's name ({@code layer-<position>}; never derived from the name)
   * @param path absolute mount path in the desktop container
   * @param image the layer's image reference
   */
  public record Mount(int position, String volume, String path, String image) {}

  private LayerMounts() {}

  /** Why {@code layer} cannot be mounted, or empty when it can. */
  public static Optional<String> invalid(AppLayer layer) {
    if (layer == null) {
      return Optional.of("a layer is missing");
    }
    if (layer.name() == null
        || layer.name().length() > MAX_NAME
        || !DNS_LABEL.matcher(layer.name()).matches()) {
      return Optional.of(
          "layer name '"
              + layer.name()
              + "' is not a DNS label (lower-case letters, digits and '-', at most 63)");
    }
    if (layer.image() == null || layer.image().isBlank()) {
      return Optional.of("layer " + layer.name() + " names no image");
    }
    return Optional.empty();
  }

  /** The mounts of a Desktop's layers, lowest first; none for a Desktop without layers. */
  public static List<Mount> of(List<DesktopResourceSpec.Layer> layers) {
    if (layers == null || layers.isEmpty()) {
      return List.of();
    }
    int width = Math.max(2, Integer.toString(layers.size() - 1).length());
    List<Mount> mounts = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      DesktopResourceSpec.Layer layer = layers.get(i);
      String position = String.format(Locale.ROOT, "%0" + width + "d", i);
      mounts.add(
          new Mount(
              i,
              "layer-" + position,
              ROOT + "/" + position + "-" + safeName(layer == null ? null : layer.name),
              layer == null ? null : layer.image));
    }
    return List.copyOf(mounts);
  }

  /**
   * {@code name} as one safe path component: a DNS label stays as it is; anything else has every
   * character but lower-case letters, digits and '-' ('/' and '.' included) replaced by '-', runs
   * of '-' joined and trimmed, at most 63 characters, and is {@code layer} when nothing is left. A
   * Desktop written by hand or by another controller has not passed the agent's admission, and a
   * directory name must never climb out of {@link #ROOT}.
   */
  public static String safeName(String name) {
    if (name == null) {
      return "layer";
    }
    if (name.length() <= MAX_NAME && DNS_LABEL.matcher(name).matches()) {
      return name;
    }
    String safe =
        name.toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9-]", "-")
            .replaceAll("-{2,}", "-")
            .replaceAll("^-|-$", "");
    if (safe.length() > MAX_NAME) {
      safe = safe.substring(0, MAX_NAME).replaceAll("-$", "");
    }
    return safe.isEmpty() ? "layer" : safe;
  }

  /** The value of {@link #ENV}: the mount paths, lowest first, separated by ':'. */
  public static String env(List<Mount> mounts) {
    return String.join(":", mounts.stream().map(Mount::path).toList());
  }
}
