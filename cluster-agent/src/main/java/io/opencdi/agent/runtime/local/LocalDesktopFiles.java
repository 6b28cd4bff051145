package io.opencdi.agent.runtime.local;

import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.FileEntry;
import io.opencdi.agent.runtime.FileTransferException;
import io.opencdi.protocol.FileCloseCodes;
import io.opencdi.protocol.FileNames;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The home of a local desktop ({@code <data>/desktops/<id>/home}) as its user sees it (ADR 0042).
 * The agent never opens a file of the home itself: every operation is a small fixed shell script
 * run as the desktop's user ({@code setpriv --reuid --regid --clear-groups --no-new-privs} when the
 * agent is root; as the agent's own user otherwise, which is then the desktops' user too) in the
 * home as working directory (entered before the user is taken on, so the data directory above it
 * need not be open to desktop users), its arguments passed positionally. So the kernel refuses what
 * the user could not do: a root-only file placed in the home, a symbolic link to a file out of the
 * home (downloads open with {@code O_NOFOLLOW}, so even a link swapped in at the last moment is
 * refused).
 *
 * <p>An upload is written to a hidden temporary file of the home ({@code .opencdi-upload-XXXXXX})
 * and published with a hard link, which fails rather than replaces a name taken meanwhile; the
 * temporary file is removed whatever happens. Every helper is killed when it makes no progress for
 * the stall timeout; what helpers print on stderr goes to the agent's debug log, never to the user.
 *
 * <p>Longer than most files here (over 600 lines) because the five shell scripts it runs as the
 * user are in it, beside the code that passes their arguments and reads their exit codes: a script
 * and its caller change together, and apart they would be read apart.
 */
public final class LocalDesktopFiles implements DesktopFiles {
  private static final Logger LOG = Logger.getLogger(LocalDesktopFiles.class);

  /** A transfer (or a listing) making no progress for this long is ended. */
  public static final Duration STALL = Duration.ofSeconds(60);

  // Exit codes of the scripts.
  private static final int SIZE_CHANGED = 72;
  private static final int NOT_FOUND = 74;
  private static final int EXISTS = 79;

  /** Regular, not hidden files at the top of the home: "size mtime name\0" each. */
  private static final String LIST =
      """
      exec find . -mindepth 1 -maxdepth 1 -type f ! -name '.*' -printf '%s %T@ %f\\0'
      """;

  /** A regular file the user may read: its size as the first line, then its bytes. */
  private static final String DOWNLOAD =
      """
      if [ -L "$1" ] || [ ! -f "$1" ] || [ ! -r "$1" ]; then exit 74; fi
      size=$(stat -c %s -- "$1") || exit 74
      printf '%s\\n' "$size"
      exec dd if="$1" iflag=nofollow,nonblock,count_bytes count="$size" bs=65536 status=none
      """;

  /** A free name: a new hidden temporary file's name as the first line, then writes stdin to it. */
  private static final String UPLOAD =
      """
      if [ -e "$1" ] || [ -L "$1" ]; then exit 79; fi
      umask 022
      tmp=$(mktemp .opencdi-upload-XXXXXX) || exit 70
      chmod 644 -- "$tmp" || { rm -f -- "$tmp"; exit 70; }
      printf '%s\\n' "$tmp"
      exec cat > "$tmp"
      """;

  /** Gives the temporary file ($1) its name ($2) unless taken, checking its size ($3). */
  private static final String COMMIT =
      """
      size=$(stat -c %s -- "$1") || { rm -f -- "$1"; exit 70; }
      if [ "$size" != "$3" ]; then rm -f -- "$1"; exit 72; fi
      if ln -T -- "$1" "$2"; then rm -f -- "$1"; exit 0; fi
      rm -f -- "$1"
      if [ -e "$2" ] || [ -L "$2" ]; then exit 79; fi
      exit 70
      """;

  private static final String REMOVE =
      """
      rm -f -- "$1"
      """;

  private static final Pattern TEMP = Pattern.compile("\\.opencdi-upload-[A-Za-z0-9]{6,}");

  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "opencdi-files-watchdog");
            thread.setDaemon(true);
            return thread;
          });

  private static final String SETPRIV = setpriv();

  private final Path home;
  private final int uid;
  private final long stallNanos;

  /**
   * @param home the desktop's home on the host
   * @param uid the desktop's user, whom every operation runs as (the agent must be root); negative
   *     to run as the agent's own user, when its desktops run as that user too
   * @param stall how long a helper may make no progress before it is killed
   */
  public LocalDesktopFiles(Path home, int uid, Duration stall) {
    this.home = home.toAbsolutePath();
    this.uid = uid;
    this.stallNanos = stall.toNanos();
  }

  @Override
  public List<FileEntry> list() throws FileTransferException {
    Helper helper = start(LIST);
    TreeMap<String, FileEntry> files = new TreeMap<>();
    try (InputStream in = new BufferedInputStream(helper.process.getInputStream())) {
      ByteArrayOutputStream record = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        if (b != 0) {
          if (record.size() < 1024) {
            record.write(b);
          }
          continue;
        }
        helper.progress();
        FileEntry entry = entry(record.toByteArray());
        record.reset();
        if (entry != null) {
          files.put(entry.name(), entry);
          if (files.size() > MAX_LISTED) {
            files.pollLastEntry();
          }
        }
      }
    } catch (IOException e) {
      helper.close();
      throw failed("the home could not be read");
    }
    int code = helper.waitFor();
    // find ends with 1 when an entry vanished while it looked: what it printed still holds.
    if (code != 0 && code != 1 || helper.stalled) {
      helper.logFailure("list", code);
      throw failed(
          helper.stalled ? "listing the home took too long" : "the home could not be read");
    }
    return List.copyOf(files.values());
  }

  /** One "size mtime name" record of the listing, or null for a name a transfer may not use. */
  private static FileEntry entry(byte[] record) {
    int first = indexOf(record, 0);
    int second = first < 0 ? -1 : indexOf(record, first + 1);
    if (second < 0) {
      return null;
    }
    try {
      long size = Long.parseLong(new String(record, 0, first, StandardCharsets.US_ASCII));
      BigDecimal mtime =
          new BigDecimal(
              new String(record, first + 1, second - first - 1, StandardCharsets.US_ASCII));
      String name =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(record, second + 1, record.length - second - 1))
              .toString();
      return FileNames.valid(name) && size >= 0
          ? new FileEntry(name, size, Instant.ofEpochSecond(mtime.longValue()))
          : null;
    } catch (NumberFormatException | CharacterCodingException | ArithmeticException e) {
      return null;
    }
  }

  private static int indexOf(byte[] record, int from) {
    for (int i = from; i < record.length; i++) {
      if (record[i] == ' ') {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Download open(String name, long maxBytes) throws FileTransferException {
    checkName(name);
    Helper helper = start(DOWNLOAD, name);
    try {
      String line = readLine(helper.process.getInputStream());
      if (line == null) {
        int code = helper.waitFor();
        if (code == NOT_FOUND) {
          throw new FileTransferException(
              FileCloseCodes.NOT_FOUND, "there is no file " + name + " to read in the home");
        }
        helper.logFailure("download", code);
        throw failed("the home could not be read");
      }
      long size = Long.parseLong(line);
      if (size < 0) {
        throw new NumberFormatException(line);
      }
      if (size > maxBytes) {
        helper.close();
        throw new FileTransferException(
            FileCloseCodes.TOO_LARGE,
            name + " has " + size + " bytes, more than the limit of " + maxBytes);
      }
      return new HelperDownload(helper, size);
    } catch (IOException | NumberFormatException e) {
      helper.close();
      throw failed("the home could not be read");
    } catch (FileTransferException e) {
      helper.close();
      throw e;
    }
  }

  @Override
  public Upload create(String name) throws FileTransferException {
    checkName(name);
    Helper helper = start(UPLOAD, name);
    String temp;
    try {
      temp = readLine(helper.process.getInputStream());
    } catch (IOException e) {
      temp = null;
    }
    if (temp == null || !TEMP.matcher(temp).matches()) {
      helper.close();
      int code = helper.waitFor();
      if (code == EXISTS) {
        throw new FileTransferException(
            FileCloseCodes.EXISTS, "a file " + name + " exists already; an upload replaces none");
      }
      helper.logFailure("upload", code);
      if (temp != null && TEMP.matcher(temp).matches()) {
        remove(temp);
      }
      throw failed("the home could not be written");
    }
    return new HelperUpload(helper, temp, name);
  }

  private static void checkName(String name) throws FileTransferException {
    if (!FileNames.valid(name)) {
      throw new FileTransferException(
          FileCloseCodes.INVALID_NAME,
          "not a file name a transfer may use (one visible name, no path)");
    }
  }

  private static FileTransferException failed(String message) {
    return new FileTransferException(FileCloseCodes.FAILED, message);
  }

  /** The first line of a helper's output (at most a name's length), or null at its end. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0 || line.size() > 300) {
        return null;
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  /** Removes a temporary file of an upload, as the user. */
  private void remove(String temp) {
    Helper helper;
    try {
      helper = start(REMOVE, temp);
    } catch (FileTransferException e) {
      return;
    }
    int code = helper.waitFor();
    if (code != 0) {
      helper.logFailure("removing an upload's temporary file", code);
    }
  }

  private Helper start(String script, String... args) throws FileTransferException {
    List<String> command = new ArrayList<>();
    if (uid >= 0) {
      command.addAll(
          List.of(
              SETPRIV,
              "--reuid=" + uid,
              "--regid=" + uid,
              "--clear-groups",
              "--no-new-privs",
              "--"));
    }
    command.addAll(List.of("/bin/sh", "-c", script, "sh"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    builder.environment().clear();
    builder
        .environment()
        .put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    builder.environment().put("LC_ALL", "C");
    try {
      Process process = builder.start();
      if (!script.equals(UPLOAD)) {
        process.getOutputStream().close(); // only an upload's helper reads its input
      }
      return new Helper(process, stallNanos);
    } catch (IOException e) {
      LOG.warnf("cannot run a file helper for %s: %s", home, e.getMessage());
      throw failed("the home could not be reached");
    }
  }

  private static String setpriv() {
    Path path = HostCommands.which("setpriv");
    return path == null ? "setpriv" : path.toString();
  }

  /**
   * One helper process: its stderr kept (the end of it) for the log, killed by the watchdog when it
   * makes no progress for the stall timeout.
   */
  private final class Helper {
    final Process process;
    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    private final ScheduledFuture<?> watch;
    private volatile long lastProgress = System.nanoTime();
    volatile boolean stalled;

    Helper(Process process, long stallNanos) {
      this.process = process;
      Thread.ofVirtual()
          .name("opencdi-files-stderr")
          .start(
              () -> {
                try (InputStream err = process.getErrorStream()) {
                  byte[] buffer = new byte[4096];
                  int n;
                  while ((n = err.read(buffer)) >= 0) {
                    synchronized (errors) {
                      if (errors.size() < 4096) {
                        errors.write(buffer, 0, Math.min(n, 4096 - errors.size()));
                      }
                    }
                  }
                } catch (IOException e) {
                  // the helper ended
                }
              });
      long period = Math.clamp(stallNanos / 4, 50_000_000L, 1_000_000_000L);
      this.watch =
          WATCHDOG.scheduleWithFixedDelay(
              () -> {
                if (System.nanoTime() - lastProgress > stallNanos && process.isAlive()) {
                  stalled = true;
                  process.destroyForcibly();
                }
              },
              period,
              period,
              TimeUnit.NANOSECONDS);
    }

    void progress() {
      lastProgress = System.nanoTime();
    }

    /** Its exit code once it ended (the watchdog bounds the wait); -1 when interrupted. */
    int waitFor() {
      try {
        int code = process.waitFor();
        watch.cancel(false);
        return code;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        return -1;
      }
    }

    void close() {
      watch.cancel(false);
      process.destroyForcibly();
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // gone already
      }
      try {
        process.getInputStream().close();
      } catch (IOException e) {
        // gone already
      }
    }

    void logFailure(String what, int code) {
      String err;
      synchronized (errors) {
        err = errors.toString(StandardCharsets.UTF_8).strip();
      }
      LOG.debugf(
          "file helper (%s) in %s ended with %d%s: %s",
          what, home, code, stalled ? " after stalling" : "", err);
    }
  }

  private static final class HelperDownload implements Download {
    private final Helper helper;
    private final long size;
    private final InputStream stream;

    HelperDownload(Helper helper, long size) {
      this.helper = helper;
      this.size = size;
      InputStream in = helper.process.getInputStream();
      this.stream =
          new InputStream() {
            private long remaining = size;
            private boolean checked;

            @Override
            public int read() throws IOException {
              byte[] one = new byte[1];
              return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              if (len == 0) {
                return 0;
              }
              if (remaining == 0) {
                end();
                return -1;
              }
              helper.progress();
              int n;
              try {
                n = in.read(b, off, (int) Math.min(len, remaining));
              } catch (IOException e) {
                throw broken();
              }
              if (n < 0) {
                end();
                throw broken();
              }
              helper.progress();
              remaining -= n;
              return n;
            }

            private void end() throws IOException {
              if (checked) {
                return;
              }
              checked = true;
              int code = helper.waitFor();
              if (code != 0) {
                throw broken();
              }
            }

            private IOException broken() {
              helper.logFailure("download", helper.process.isAlive() ? -1 : exit());
              return new IOException(
                  helper.stalled
                      ? "the transfer stalled"
                      : "the file changed or could not be read while it was sent");
            }

            private int exit() {
              return helper.waitFor();
            }
          };
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public InputStream stream() {
      return stream;
    }

    @Override
    public void close() {
      helper.close();
    }
  }

  private final class HelperUpload implements Upload {
    private final Helper helper;
    private final String temp;
    private final String name;
    private final OutputStream stream;
    private volatile long written;
    private boolean ended; // guarded by this

    HelperUpload(Helper helper, String temp, String name) {
      this.helper = helper;
      this.temp = temp;
      this.name = name;
      OutputStream out = helper.process.getOutputStream();
      this.stream =
          new OutputStream() {
            @Override
            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              helper.progress();
              try {
                out.write(b, off, len);
              } catch (IOException e) {
                throw new IOException(
                    helper.stalled ? "the transfer stalled" : "the file could not be written");
              }
              written += len;
              helper.progress();
            }

            @Override
            public void flush() throws IOException {
              out.flush();
            }
          };
    }

    @Override
    public OutputStream stream() {
      return stream;
    }

    @Override
    public synchronized long commit(long expectedBytes) throws FileTransferException {
      if (ended) {
        throw failed("the upload has ended already");
      }
      ended = true;
      int code;
      try {
        helper.process.getOutputStream().close();
        code = helper.waitFor();
      } catch (IOException e) {
        code = -1;
      }
      if (code != 0) {
        helper.logFailure("upload", code);
        discard();
        throw failed(
            helper.stalled
                ? "the transfer stalled"
                : "the file could not be stored in the home (is it full?)");
      }
      if (written != expectedBytes) {
        discard();
        throw new FileTransferException(
            FileCloseCodes.PROTOCOL_ERROR,
            expectedBytes + " bytes were announced, " + written + " arrived");
      }
      Helper publish = start(COMMIT, temp, name, Long.toString(expectedBytes));
      int published = publish.waitFor();
      switch (published) {
        case 0 -> {
          return expectedBytes;
        }
        case EXISTS -> {
          remove(temp);
          throw new FileTransferException(
              FileCloseCodes.EXISTS, "a file " + name + " was created meanwhile; it was kept");
        }
        case SIZE_CHANGED -> {
          remove(temp);
          throw failed("the uploaded file changed before it was stored");
        }
        default -> {
          publish.logFailure("publishing an upload", published);
          remove(temp);
          throw failed("the file could not be stored in the home");
        }
      }
    }

    @Override
    public synchronized void abort() {
      if (ended) {
        return;
      }
      ended = true;
      discard();
    }

    private void discard() {
      helper.close();
      helper.waitFor();
      remove(temp);
    }
  }
}
