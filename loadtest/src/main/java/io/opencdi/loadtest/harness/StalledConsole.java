package io.opencdi.loadtest.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A console that subscribes and then stops reading, as a browser tab frozen in the background
 * would: after {@code connection_ack} its WebSocket asks for no further message, and the JDK's
 * client then stops reading its socket (a listener is only called on demand), so what the gateway
 * sends fills the kernel's buffers and then the gateway's queue for the connection. At the end it
 * reads whatever is still there, to tell how the gateway ended it.
 *
 * <p>The JDK's client rather than Gatling's: Gatling's WebSocket always reads, buffering frames in
 * the load generator, so its consoles cannot fall behind.
 */
public final class StalledConsole implements WebSocket.Listener {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /** How the console's connection ended, as read after the run. */
  public record Ending(int subscriptions, int messagesRead, int closeCode, String failure) {
    /** Whether the gateway closed the connection with {@code code} before the console did. */
    public boolean closedWith(int code) {
      return closeCode == code;
    }

    @Override
    public String toString() {
      String end =
          failure != null
              ? "ended by " + failure
              : closeCode >= 0 ? "closed with " + closeCode : "still open";
      return subscriptions
          + " subscriptions, "
          + messagesRead
          + " messages read at the end, "
          + end;
    }
  }

  private final CompletableFuture<WebSocket> acknowledged = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final AtomicInteger messages = new AtomicInteger();
  private volatile int closeCode = -1;
  private volatile String failure;
  private volatile int subscriptions;

  private StalledConsole() {}

  /**
   * Connects to {@code wsUrl} (the gateway's {@code /graphql}), signs in with {@code token} and
   * subscribes {@code subscriptions} times to {@code operationName} of {@code document}, then reads
   * nothing more. Completes once every subscribe message is sent.
   */
  public static CompletableFuture<StalledConsole> subscribe(
      String wsUrl, String token, String document, String operationName, int subscriptions) {
    StalledConsole console = new StalledConsole();
    return CLIENT
        .newWebSocketBuilder()
        .subprotocols("graphql-transport-ws")
        .connectTimeout(Duration.ofSeconds(30))
        .buildAsync(URI.create(wsUrl), console)
        .thenCompose(
            ws ->
                ws.sendText(
                    json(
                        Map.of(
                            "type",
                            "connection_init",
                            "payload",
                            Map.of("Authorization", "Bearer " + token))),
                    true))
        .thenCompose(ws -> console.acknowledged)
        .thenCompose(
            ws -> {
              CompletableFuture<WebSocket> sent = CompletableFuture.completedFuture(ws);
              for (int i = 0; i < subscriptions; i++) {
                String message =
                    json(
                        Map.of(
                            "id",
                            "stalled-" + i,
                            "type",
                            "subscribe",
                            "payload",
                            Map.of(
                                "query",
                                document,
                                "operationName",
                                operationName,
                                "variables",
                                Map.of())));
                sent = sent.thenCompose(w -> w.sendText(message, true));
              }
              return sent;
            })
        .thenApply(
            ws -> {
              console.subscriptions = subscriptions;
              return console;
            });
  }

  /**
   * Reads again, until the connection ends or {@code within} passes, and tells how it ended. The
   * console closes its side if the gateway had not.
   */
  public Ending readToEnd(Duration within) {
    WebSocket ws = acknowledged.join();
    ws.request(Long.MAX_VALUE);
    try {
      ended.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception notEnded) {
      ws.abort();
    }
    return new Ending(subscriptions, messages.get(), closeCode, failure);
  }

  @Override
  public void onOpen(WebSocket ws) {
    ws.request(1); // connection_ack
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    partial.append(data);
    if (!last) {
      ws.request(1);
      return null;
    }
    String message = partial.toString();
    partial.setLength(0);
    if (!acknowledged.isDone()) {
      if (message.contains("\"connection_ack\"")) {
        acknowledged.complete(ws); // and, from here, ask for nothing: the console stalls
      } else {
        acknowledged.completeExceptionally(
            new IllegalStateException("not acknowledged: " + message));
      }
      return null;
    }
    messages.incrementAndGet();
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    closeCode = statusCode;
    acknowledged.completeExceptionally(new IllegalStateException("closed " + statusCode));
    ended.complete(null);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    failure = error.getClass().getSimpleName() + ": " + error.getMessage();
    acknowledged.completeExceptionally(error);
    ended.complete(null);
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
