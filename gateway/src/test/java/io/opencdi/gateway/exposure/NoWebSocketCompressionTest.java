package io.opencdi.gateway.exposure;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class NoWebSocketCompressionTest {
  @TestHTTPResource("/")
  URL base;

  @Test
  void aConsoleOfferingCompressionAsBrowsersDoIsUpgradedWithout() throws Exception {
    // What Chromium and Firefox send.
    assertThat(upgradeOffering("permessage-deflate; client_max_window_bits"))
        .startsWith("http/1.1 101")
        .doesNotContain("sec-websocket-extensions");
  }

  @Test
  void theOlderPerFrameCompressionIsNotTakenEither() throws Exception {
    assertThat(upgradeOffering("x-webkit-deflate-frame"))
        .startsWith("http/1.1 101")
        .doesNotContain("sec-websocket-extensions");
    assertThat(upgradeOffering("deflate-frame"))
        .startsWith("http/1.1 101")
        .doesNotContain("sec-websocket-extensions");
  }

  /**
   * The response head (lower case) to an upgrade of {@code /graphql} offering {@code extension}.
   */
  private String upgradeOffering(String extension) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /graphql HTTP/1.1\r\n"
                  + "Host: "
                  + base.getHost()
                  + ":"
                  + base.getPort()
                  + "\r\n"
                  + "Upgrade: websocket\r\n"
                  + "Connection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: "
                  + Base64.getEncoder().encodeToString(new byte[16])
                  + "\r\n"
                  + "Sec-WebSocket-Version: 13\r\n"
                  + "Sec-WebSocket-Protocol: graphql-transport-ws\r\n"
                  + "Sec-WebSocket-Extensions: "
                  + extension
                  + "\r\n"
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        assertThat(b).as("the response head so far: %s", head).isNotNegative();
        head.append((char) b);
      }
      return head.toString().toLowerCase();
    }
  }
}
