package io.opencdi.agent.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Image references and OCI image layouts as the layer store holds them (ADR 0037): parsing a
 * reference {@code <name>[:<tag>][@<digest>]} and choosing the manifest it names in a layout's
 * {@code index.json}. Pure: no files, no processes; {@link LayerCache} reads the index and unpacks
 * what is chosen here.
 */
final class OciImages {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";
  // host[:port] first, then path elements; never "." or ".." (each starts with a letter or digit).
  private static final Pattern FIRST_ELEMENT =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(:\\d+)?");
  private static final Pattern ELEMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}");

  private OciImages() {}

  /**
   * A parsed image reference.
   *
   * @param name repository, path elements separated by {@code /}
   * @param tag the tag, or null when only a digest is given
   * @param digest the manifest's digest, or null
   */
  record Reference(String name, String tag, String digest) {

    /**
     * Parses {@code <name>[:<tag>][@<digest>]}; a reference with neither tag nor digest means tag
     * {@code latest}.
     *
     * @throws IllegalArgumentException with the reason when it is no reference
     */
    static Reference parse(String image) {
      if (image == null || image.isBlank()) {
        throw new IllegalArgumentException("names no image");
      }
      String rest = image;
      String digest = null;
      int at = rest.indexOf('@');
      if (at >= 0) {
        digest = rest.substring(at + 1);
        rest = rest.substring(0, at);
        if (!DIGEST.matcher(digest).matches()) {
          throw new IllegalArgumentException(
              "image " + image + " has no valid digest (sha256:<64 hex digits>)");
        }
      }
      String tag = null;
      int colon = rest.lastIndexOf(':');
      if (colon > rest.lastIndexOf('/')) {
        tag = rest.substring(colon + 1);
        rest = rest.substring(0, colon);
        if (!TAG.matcher(tag).matches()) {
          throw new IllegalArgumentException("image " + image + " has no valid tag");
        }
      }
      String[] elements = rest.split("/", -1);
      for (int i = 0; i < elements.length; i++) {
        if (!(i == 0 ? FIRST_ELEMENT : ELEMENT).matcher(elements[i]).matches()) {
          throw new IllegalArgumentException(
              "image " + image + " is not a reference <name>[:<tag>][@<digest>]");
        }
      }
      if (tag == null && digest == null) {
        tag = "latest";
      }
      return new Reference(rest, tag, digest);
    }

    @Override
    public String toString() {
      return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
  }

  /**
   * A layer found in the store.
   *
   * @param layout the OCI image layout that holds it
   * @param tag the tag umoci unpacks
   * @param digest the manifest's digest (the cache's key)
   */
  record Found(Path layout, String tag, String digest) {}

  /**
   * The manifest a reference names in a layout's {@code index.json}: the one tagged (annotation
   * {@code org.opencontainers.image.ref.name}) with its tag and, when it names one, with its
   * digest.
   *
   * @throws IllegalArgumentException with the reason when there is none
   */
  static Found select(Path layout, JsonNode index, Reference ref) {
    List<String> tags = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      String tag = m.path("annotations").path(REF_NAME).asText(null);
      String digest = m.path("digest").asText("");
      if (tag != null) {
        tags.add(tag);
      }
      boolean tagMatches = ref.tag() == null || ref.tag().equals(tag);
      boolean digestMatches = ref.digest() == null || ref.digest().equals(digest);
      if (tagMatches && digestMatches) {
        if (!DIGEST.matcher(digest).matches()) {
          throw new IllegalArgumentException(
              layout + " names " + ref + " with an invalid digest " + digest);
        }
        if (tag == null) {
          throw new IllegalArgumentException(
              layout + " holds " + ref + " untagged; tag it (umoci unpacks tagged images)");
        }
        return new Found(layout, tag, digest);
      }
    }
    throw new IllegalArgumentException(
        "image "
            + ref
            + " is not in the layer store: "
            + layout
            + " has no "
            + (ref.tag() == null ? "manifest " + ref.digest() : "tag " + ref.tag())
            + (ref.tag() != null && ref.digest() != null ? " with digest " + ref.digest() : "")
            + " (it has "
            + (tags.isEmpty() ? "none" : String.join(", ", tags))
            + ")");
  }

  /** Whether {@code digest} is a manifest digest as the layer cache keys them. */
  static boolean isDigest(String digest) {
    return DIGEST.matcher(digest).matches();
  }
}
