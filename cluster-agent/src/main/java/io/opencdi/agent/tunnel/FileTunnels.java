package io.opencdi.agent.tunnel;

import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.FileEntry;
import io.opencdi.agent.runtime.FileTransferException;
import io.opencdi.protocol.FileCloseCodes;
import io.opencdi.protocol.FileNames;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.TunnelRefused;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Opens file tunnels the gateway asks for ({@link FileOpen}, ADR 0042): finds the desktop's {@link
 * DesktopFiles}, dials back to the gateway as a display tunnel does, and lists, sends or receives
 * one file in the WebSocket as docs/agent-protocol.md, "File tunnels", says. File operations block,
 * so they run on virtual threads of their own, never on the event loop; a download is read only as
 * fast as the gateway takes it, and an upload's WebSocket is paused while the disk lags.
 */
@Singleton
public class FileTunnels {
  private static final Logger LOG = Logger.getLogger(FileTunnels.class);

  /** Largest binary message of a download, as the protocol bounds it. */
  static final int CHUNK_BYTES = TunnelDialer.MAX_FRAME_BYTES;

  /** Bytes of an upload received but not yet written beyond which its WebSocket is paused. */
  static final long WRITE_BACKLOG_BYTES = 1024 * 1024;

  /** Longest close reason (a WebSocket allows 123 bytes). */
  static final int MAX_REASON_CHARS = 120;

  private final DesktopRuntime runtime;
  private final Vertx vertx;
  private final WebSocketClient gateway;
  private final ExecutorService blocking =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("opencdi-files-", 0).factory());
  private final AtomicInteger open = new AtomicInteger();

  FileTunnels(DesktopRuntime runtime, Vertx vertx) {
    this.runtime = runtime;
    this.vertx = vertx;
    this.gateway = vertx.createWebSocketClient(TunnelDialer.dialBackOptions());
  }

  void onStop(@Observes ShutdownEvent event) {
    close();
  }

  /** Closes the dial-back client; transfers under way fail. */
  public void close() {
    gateway.close();
    blocking.shutdownNow();
  }

  /** How many file tunnels are open now. */
  public int openTunnels() {
    return open.get();
  }

  /**
   * Opens the tunnel; {@code refuse} is called (at most once, on any thread) when the tunnel cannot
   * be opened and the gateway must be told. Failures about the file itself close the dialled-back
   * tunnel with a {@link FileCloseCodes code} instead.
   *
   * @param link how the link reaches the gateway, which the tunnel dials back to
   */
  public void open(FileOpen request, DialBack link, Consumer<TunnelRefused> refuse) {
    vertx.getOrCreateContext().runOnContext(v -> start(request, link, refuse));
  }

  private void start(FileOpen request, DialBack link, Consumer<TunnelRefused> refuse) {
    if (!TunnelDialer.validTunnelId(request.tunnelId())) {
      LOG.warnf("ignoring a file tunnel request with a malformed id");
      return;
    }
    Optional<DesktopFiles> files =
        request.cluster() == null || request.desktopId() == null
            ? Optional.empty()
            : runtime.files(request.cluster(), request.desktopId(), request.folderOrHome());
    if (files.isEmpty()) {
      refuse.accept(
          new TunnelRefused(
              request.tunnelId(),
              TunnelRefused.Cause.NO_DISPLAY,
              "desktop "
                  + request.desktopId()
                  + " does not run in cluster "
                  + request.cluster()
                  + " here, or the "
                  + runtime.kind()
                  + " runtime transfers no files"));
      return;
    }
    URI base = TunnelDialer.trustedBase(request.tunnelId(), request.dialBackUrl(), link, refuse);
    if (base == null) {
      return;
    }
    WebSocketConnectOptions options =
        TunnelDialer.dialBackTo(base, request.tunnelId(), link.token());
    gateway
        .connect(options)
        .onFailure(
            e ->
                // The gateway answers the user when no dial-back arrives in time.
                LOG.infof(
                    "file tunnel %s: cannot dial back to the gateway: %s", request.tunnelId(), e))
        .onSuccess(ws -> serve(request, files.get(), ws));
  }

  private void serve(FileOpen request, DesktopFiles files, WebSocket ws) {
    open.incrementAndGet();
    Transfer t = new Transfer(request, ws, vertx.getOrCreateContext());
    ws.closeHandler(
        v -> {
          open.decrementAndGet();
          t.closed();
        });
    ws.exceptionHandler(e -> LOG.debugf("file tunnel %s: %s", request.tunnelId(), e));
    LOG.debugf(
        "file tunnel %s open: %s in desktop %s",
        request.tunnelId(), request.op(), request.desktopId());
    if (request.op() == null) {
      t.close(FileCloseCodes.PROTOCOL_ERROR, "no file operation was asked for");
      return;
    }
    if (request.op() == FileOpen.Op.UPLOAD && request.folderOrHome() == FileOpen.Folder.PRINTS) {
      // The prints are the printer's to write: nothing is uploaded there (ADR 0043).
      t.close(FileCloseCodes.PROTOCOL_ERROR, "the prints folder takes no uploads");
      return;
    }
    if (request.op() != FileOpen.Op.LIST && !FileNames.valid(request.name())) {
      t.close(
          FileCloseCodes.INVALID_NAME,
          "not a file name a transfer may use (one visible name, no path)");
      return;
    }
    switch (request.op()) {
      case LIST -> list(t, files);
      case DOWNLOAD -> download(t, files);
      case UPLOAD -> upload(t, files);
    }
  }

  // --- list

  private void list(Transfer t, DesktopFiles files) {
    t.blocking(
        files::list,
        (entries, error) -> {
          if (error != null) {
            t.fail(error);
            return;
          }
          JsonArray list = new JsonArray();
          for (FileEntry e : entries) {
            list.add(
                new JsonObject()
                    .put("name", e.name())
                    .put("size", e.size())
                    .put("modifiedAt", e.modifiedAt().toString()));
          }
          t.ws
              .writeTextMessage(new JsonObject().put("files", list).encode())
              .onComplete(v -> t.close(1000, "listed"));
        });
  }

  // --- download

  private void download(Transfer t, DesktopFiles files) {
    FileOpen r = t.request;
    t.blocking(
        () -> files.open(r.name(), r.maxBytes()),
        (download, error) -> {
          if (error != null) {
            t.fail(error);
            return;
          }
          t.onClose = download::close;
          if (t.ws.isClosed()) {
            download.close();
            return;
          }
          t.ws.writeTextMessage(new JsonObject().put("size", download.size()).encode());
          pump(t, download);
        });
  }

  /** Reads the next chunk off the event loop and sends it, as fast as the WebSocket drains. */
  private void pump(Transfer t, DesktopFiles.Download download) {
    InputStream in = download.stream();
    t.blocking(
        () -> {
          byte[] chunk = new byte[CHUNK_BYTES];
          int n = in.readNBytes(chunk, 0, chunk.length);
          return n == 0 ? null : Arrays.copyOf(chunk, n);
        },
        (chunk, error) -> {
          if (t.ws.isClosed()) {
            download.close();
            return;
          }
          if (error != null) {
            download.close();
            t.fail(error);
            return;
          }
          if (chunk == null) {
            download.close();
            t.close(1000, "sent");
            return;
          }
          t.ws.writeBinaryMessage(Buffer.buffer(chunk));
          if (t.ws.writeQueueFull()) {
            t.ws.drainHandler(
                v -> {
                  t.ws.drainHandler(null);
                  pump(t, download);
                });
          } else {
            pump(t, download);
          }
        });
  }

  // --- upload

  private enum UploadState {
    PREPARING,
    READY,
    ENDED,
    DONE
  }

  private void upload(Transfer t, DesktopFiles files) {
    FileOpen r = t.request;
    // One writer per upload: its writes and its commit happen in order, off the event loop.
    ExecutorService writer =
        Executors.newSingleThreadExecutor(Thread.ofVirtual().name("opencdi-upload").factory());
    UploadContext u = new UploadContext(writer);
    t.onClose =
        () -> {
          if (u.state != UploadState.DONE) {
            u.state = UploadState.DONE;
            abort(u);
          }
          writer.shutdown();
        };
    t.ws.binaryMessageHandler(
        data -> {
          switch (u.state) {
            case PREPARING -> {
              u.state = UploadState.DONE;
              abort(u);
              t.close(FileCloseCodes.PROTOCOL_ERROR, "bytes arrived before the agent was ready");
            }
            case READY -> received(t, u, data);
            case ENDED, DONE -> {
              // after the end, or after a failure: nothing more is written
            }
          }
        });
    t.ws.textMessageHandler(text -> control(t, u, text));
    t.blocking(
        () -> files.create(r.name()),
        (upload, error) -> {
          if (error != null) {
            u.state = UploadState.DONE;
            t.fail(error);
            return;
          }
          u.upload = upload;
          if (u.state != UploadState.PREPARING || t.ws.isClosed()) {
            u.state = UploadState.DONE;
            abort(u);
            return;
          }
          u.state = UploadState.READY;
          t.ws.writeTextMessage(new JsonObject().put("ready", true).encode());
        });
  }

  private void received(Transfer t, UploadContext u, Buffer data) {
    u.received += data.length();
    if (u.received > t.request.maxBytes()) {
      u.state = UploadState.DONE;
      abort(u);
      t.close(
          FileCloseCodes.TOO_LARGE,
          "the file is larger than the limit of " + t.request.maxBytes() + " bytes");
      return;
    }
    byte[] bytes = data.getBytes();
    if (u.backlog.addAndGet(bytes.length) > WRITE_BACKLOG_BYTES && !u.paused) {
      u.paused = true;
      t.ws.pause();
    }
    u.writer.execute(
        () -> {
          try {
            if (u.failed == null) {
              u.upload.stream().write(bytes);
            }
          } catch (IOException e) {
            u.failed = e;
            t.context.runOnContext(
                v -> {
                  if (u.state != UploadState.DONE) {
                    u.state = UploadState.DONE;
                    abort(u);
                    t.close(FileCloseCodes.FAILED, e.getMessage());
                  }
                });
          } finally {
            if (u.backlog.addAndGet(-bytes.length) < WRITE_BACKLOG_BYTES / 2) {
              t.context.runOnContext(
                  v -> {
                    if (u.paused && u.backlog.get() < WRITE_BACKLOG_BYTES / 2) {
                      u.paused = false;
                      t.ws.resume();
                    }
                  });
            }
          }
        });
  }

  private void control(Transfer t, UploadContext u, String text) {
    long end;
    try {
      Object value = new JsonObject(text).getValue("end");
      end = value instanceof Number n ? n.longValue() : -1;
    } catch (DecodeException | ClassCastException e) {
      end = -1;
    }
    if (u.state == UploadState.DONE) {
      return;
    }
    if (end < 0 || u.state != UploadState.READY) {
      u.state = UploadState.DONE;
      abort(u);
      t.close(FileCloseCodes.PROTOCOL_ERROR, "unexpected message in a file upload");
      return;
    }
    if (end != u.received) {
      u.state = UploadState.DONE;
      abort(u);
      t.close(
          FileCloseCodes.PROTOCOL_ERROR,
          end + " bytes were announced, " + u.received + " were sent");
      return;
    }
    u.state = UploadState.ENDED;
    long expected = end;
    u.writer.execute(
        () -> {
          long size;
          try {
            if (u.failed != null) {
              return; // closed with FAILED already
            }
            size = u.upload.commit(expected);
          } catch (FileTransferException | RuntimeException e) {
            t.context.runOnContext(
                v -> {
                  u.state = UploadState.DONE;
                  t.fail(e);
                });
            return;
          }
          t.context.runOnContext(
              v -> {
                u.state = UploadState.DONE;
                if (!t.ws.isClosed()) {
                  t.ws
                      .writeTextMessage(new JsonObject().put("size", size).encode())
                      .onComplete(x -> t.close(1000, "stored"));
                }
              });
        });
  }

  /** Drops an upload: after the writes queued before, so nothing is written after it. */
  private void abort(UploadContext u) {
    DesktopFiles.Upload upload = u.upload;
    if (upload == null) {
      return; // not created yet: its creation sees the state and aborts it
    }
    // Directly as well as in order: a write stuck on the disk is ended by the abort.
    try {
      blocking.execute(upload::abort);
    } catch (RejectedExecutionException e) {
      upload.abort();
    }
  }

  /** What one upload has received; touched on the tunnel's context unless marked. */
  private static final class UploadContext {
    final ExecutorService writer;
    final AtomicLong backlog = new AtomicLong(); // any thread
    volatile DesktopFiles.Upload upload;
    volatile IOException failed; // set by the writer
    UploadState state = UploadState.PREPARING;
    long received;
    boolean paused;

    UploadContext(ExecutorService writer) {
      this.writer = writer;
    }
  }

  /** One tunnel: its WebSocket, the context its events run on, and what ends with it. */
  private final class Transfer {
    final FileOpen request;
    final WebSocket ws;
    final Context context;
    Runnable onClose;

    Transfer(FileOpen request, WebSocket ws, Context context) {
      this.request = request;
      this.ws = ws;
      this.context = context;
    }

    void closed() {
      if (onClose != null) {
        onClose.run();
      }
    }

    /** Runs {@code work} on a virtual thread, then {@code then} on the tunnel's context. */
    <T> void blocking(Callable<T> work, BiConsumer<T, Throwable> then) {
      try {
        FileTunnels.this.blocking.execute(
            () -> {
              T result = null;
              Throwable error = null;
              try {
                result = work.call();
              } catch (Throwable e) {
                error = e;
              }
              T r = result;
              Throwable x = error;
              context.runOnContext(v -> then.accept(r, x));
            });
      } catch (RejectedExecutionException e) {
        context.runOnContext(v -> then.accept(null, e));
      }
    }

    void fail(Throwable error) {
      if (error instanceof FileTransferException e) {
        close(e.code(), e.getMessage());
      } else if (error instanceof IOException e) {
        // Our own streams' messages: "the transfer stalled", "the file could not be written"
        close(FileCloseCodes.FAILED, e.getMessage());
      } else {
        LOG.warnf(error, "file tunnel %s failed", request.tunnelId());
        close(FileCloseCodes.FAILED, "the home could not be read or written");
      }
    }

    void close(int code, String reason) {
      if (!ws.isClosed()) {
        ws.close((short) code, reason(reason));
      }
    }
  }

  /** A close reason of at most {@value #MAX_REASON_CHARS} characters and 123 UTF-8 bytes. */
  static String reason(String reason) {
    String r = reason == null ? "" : reason;
    if (r.length() > MAX_REASON_CHARS) {
      r = r.substring(0, MAX_REASON_CHARS - 1) + "…";
    }
    while (r.getBytes(StandardCharsets.UTF_8).length > 123) {
      r = r.substring(0, r.length() - 2) + "…";
    }
    return r;
  }
}
