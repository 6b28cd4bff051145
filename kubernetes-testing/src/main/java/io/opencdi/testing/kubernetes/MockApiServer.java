package io.opencdi.testing.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * fabric8's mock Kubernetes API server in CRUD mode on loopback, as the tests' API servers (a
 * member cluster's, Karmada's) run it: it can go away and come back on the same port with the same
 * objects, and hands every request it received to a recorder, across restarts, in order.
 */
public final class MockApiServer {
  static {
    // The mock server logs every request at INFO; the tests' own assertions say what matters.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher();
  private final Consumer<RecordedRequest> recorder;
  private KubernetesMockServer server;
  private int port;

  /** Starts a server on a free port; {@code recorder} is given each request it received. */
  public MockApiServer(Consumer<RecordedRequest> recorder) {
    this.recorder = recorder;
    start();
  }

  /** Serves again, on the port it had (a free one the first time), with the objects it had. */
  public synchronized void start() {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), port);
    port = server.getPort();
  }

  /** Goes away: every connection, watches included, is dropped and nothing answers. */
  public synchronized void stop() {
    drain();
    server.destroy();
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * A client configuration for this server: its URL and {@code namespace}, sending {@code
   * userAgent}.
   */
  public ConfigBuilder config(String namespace, String userAgent) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withNamespace(namespace)
        .withUserAgent(userAgent)
        .withRequestRetryBackoffLimit(3);
  }

  /** Hands the requests received since the last call to the recorder. */
  public synchronized void drain() {
    try {
      RecordedRequest request;
      while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
        recorder.accept(request);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
