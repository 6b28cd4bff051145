package io.opencdi.agent.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A desktop's log, capped and rotated: the agent reads what the desktop's processes write to their
 * standard output and error (a pipe, never a file they hold open) and writes it to {@code
 * desktop.log}, which is moved to {@code desktop.log.1} whenever it reaches half the cap. So the
 * two files together never hold more than the cap, however much a desktop writes, and a desktop
 * that writes faster than the disk takes is slowed by its pipe rather than filling the disk.
 */
final class DesktopLog {
  private static final Logger LOG = Logger.getLogger(DesktopLog.class);
  private static final int CHUNK = 16 * 1024;

  private final Path file;
  private final Path rotated;
  private final long fileMax;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong rotations = new AtomicLong();
  private final CountDownLatch drained = new CountDownLatch(1);

  /**
   * Keeps the previous run's log as {@code desktop.log.1} and starts an empty {@code file}.
   *
   * @param maxBytes most bytes both files hold together
   */
  DesktopLog(Path file, long maxBytes) throws IOException {
    this.file = file;
    this.rotated = file.resolveSibling(file.getFileName() + ".1");
    this.fileMax = maxBytes / 2;
    if (Files.exists(file)) {
      Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.write(file, new byte[0]);
  }

  /** The current log file. */
  Path file() {
    return file;
  }

  /** Bytes the desktop has written since it started (also those rotated away). */
  long written() {
    return written.get();
  }

  /** How often the log was rotated since the desktop started. */
  long rotations() {
    return rotations.get();
  }

  /** Copies {@code output} into the log on a thread of its own until every writer closed it. */
  void pump(InputStream output, String desktopId) {
    Thread.ofVirtual()
        .name("opencdi-log-" + desktopId)
        .start(
            () -> {
              try {
                copy(output);
              } catch (IOException e) {
                LOG.debugf("desktop %s: log copy ended: %s", desktopId, e.getMessage());
              } finally {
                drained.countDown();
              }
            });
  }

  /**
   * Waits until all the desktop wrote is in the log (its processes have ended), at most so long.
   */
  void awaitDrained(long millis) {
    try {
      drained.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void copy(InputStream output) throws IOException {
    byte[] buffer = new byte[CHUNK];
    FileChannel out = open();
    try (output) {
      long size = 0;
      int n;
      while ((n = output.read(buffer)) > 0) {
        written.addAndGet(n);
        int off = 0;
        while (off < n) {
          if (size >= fileMax) {
            out.close();
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
            rotations.incrementAndGet();
            out = open();
            size = 0;
          }
          int len = (int) Math.min(n - off, fileMax - size);
          ByteBuffer chunk = ByteBuffer.wrap(buffer, off, len);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
          size += len;
          off += len;
        }
      }
    } finally {
      out.close();
    }
  }

  private FileChannel open() throws IOException {
    return FileChannel.open(
        file,
        StandardOpenOption.CREATE,
        StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }
}
