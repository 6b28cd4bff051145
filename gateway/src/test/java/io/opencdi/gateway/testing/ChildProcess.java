package io.opencdi.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged Quarkus application run with this JVM's java, its output in a log file: what {@link
 * AgentProcess} and {@link GatewayProcess} start.
 */
final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int stopSeconds;

  private ChildProcess(Process process, Path log, int stopSeconds) {
    this.process = process;
    this.log = log;
    this.stopSeconds = stopSeconds;
  }

  /**
   * Runs {@code java <jvmArgs> -jar <jar>}; {@code environment} is for secrets, which the command
   * line would show to {@code ps}.
   */
  static ChildProcess start(
      Path jar, List<String> jvmArgs, Map<String, String> environment, Path log, int stopSeconds) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(environment);
    try {
      return new ChildProcess(pb.start(), log, stopSeconds);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Kills the process with SIGKILL, as a crash would, and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** What the process printed so far, for failure messages. */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Asks the process to stop, and kills it when it has not within the stop time. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(stopSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
