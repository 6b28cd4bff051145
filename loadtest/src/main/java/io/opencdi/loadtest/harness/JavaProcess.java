package io.opencdi.loadtest.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A packaged Quarkus application run as a process of its own, its output in a log file. */
public final class JavaProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private JavaProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code jar} with {@code jvmArgs}; secrets go in {@code env}, where {@code ps} does not
   * show them.
   */
  public static JavaProcess start(
      String name, Path jar, List<String> jvmArgs, Map<String, String> env, Path log) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: package the project first (./mvnw -DskipTests package)");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .directory(log.getParent().toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      return new JavaProcess(name, pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** Waits until the log has a line matching {@code pattern} and returns its first group. */
  public String awaitLog(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String text = text();
      Matcher m = pattern.matcher(text);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : m.group();
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " stopped during start-up; see " + log + "\n" + tail());
      }
      sleep(200);
    }
    throw new IllegalStateException(
        name + " did not log " + pattern + " within " + timeout + "; see " + log + "\n" + tail());
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The last lines of the log, for error messages. */
  public String tail() {
    String[] lines = text().split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 30), lines.length));
  }

  private String text() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** Stops the process gracefully (SIGTERM, so a JFR recording is written), then forcibly. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
