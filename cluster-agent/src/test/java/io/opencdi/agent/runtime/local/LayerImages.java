package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** Tiny layer images for tests, built with umoci itself into a layer store. */
final class LayerImages {
  private LayerImages() {}

  /**
   * Builds the image {@code <name>:<tag>} in the store's layout {@code <store>/<name>} holding
   * {@code files} (path relative to the image's root, content; executable when the content starts
   * with {@code #!}).
   */
  static void build(Path store, String name, String tag, Map<String, String> files)
      throws IOException {
    Files.createDirectories(store);
    Path src = Files.createTempDirectory(store.getParent(), "layer-src");
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path file = src.resolve(f.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, f.getValue());
      Files.setPosixFilePermissions(
          file,
          PosixFilePermissions.fromString(
              f.getValue().startsWith("#!") ? "rwxr-xr-x" : "rw-r--r--"));
    }
    build(store, name, tag, src);
    LocalDataDir.deleteTree(src);
  }

  /**
   * Builds the image {@code <name>:<tag>} in the store holding the tree {@code src} at its root.
   */
  static void build(Path store, String name, String tag, Path src) throws IOException {
    Path layout = store;
    for (String element : name.split("/")) {
      layout = layout.resolve(element);
    }
    Files.createDirectories(layout.getParent());
    if (!Files.exists(layout.resolve("index.json"))) {
      umoci("init", "--layout", layout.toString());
    }
    umoci("new", "--image", layout + ":" + tag);
    umoci("insert", "--rootless", "--image", layout + ":" + tag, src.toString(), "/");
  }

  private static void umoci(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "umoci";
    System.arraycopy(args, 0, command, 1, args.length);
    HostCommands.Result result = HostCommands.run(60_000, command);
    assertThat(result.ok()).as("umoci %s: %s", String.join(" ", args), result.output()).isTrue();
  }
}
