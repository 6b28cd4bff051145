package io.opencdi.loadtest.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared operation documents of graphql-schema ({@code operations/*.graphql}), read at run time
 * from the repository so that the load tests send exactly what the web UI and the tests send.
 */
public final class Operations {
  private final Path dir;
  private final Map<String, String> documents = new ConcurrentHashMap<>();

  public Operations(Path root) {
    this.dir = root.resolve("graphql-schema/src/main/resources/operations");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("no operation documents in " + dir);
    }
  }

  /** The whole document of {@code file} (e.g. {@code desktops}); select one with operationName. */
  public String document(String file) {
    return documents.computeIfAbsent(
        file,
        f -> {
          try {
            return Files.readString(dir.resolve(f + ".graphql"));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
