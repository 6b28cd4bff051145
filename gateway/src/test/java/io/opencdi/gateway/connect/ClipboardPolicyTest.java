package io.opencdi.gateway.connect;

import static io.opencdi.gateway.testing.GraphQL.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.gateway.testing.DisplayClient;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.gateway.testing.RfbPeer;
import io.opencdi.gateway.testing.SharedDisplayFleet;
import io.opencdi.gateway.testing.Xvnc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The template's clipboard policy is enforced in the broker: a raw RFB viewer through gateway and
 * agent talks to a real TigerVNC server, whose X clipboard the test sets and reads with xclip (a
 * program in the desktop). A second viewer connected straight to the display, past the broker,
 * shows that the desktop did send what the brokered viewer never receives.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClipboardPolicyTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TestHTTPResource("/")
  URL base;

  private SharedDisplayFleet fleet;
  private Xvnc xvnc;
  private String alice;
  private final Map<String, String> desktops = new HashMap<>();
  private boolean ready;

  @BeforeEach
  void start() {
    if (fleet != null) {
      assertThat(ready).as("the agent and the desktops came up in an earlier setup").isTrue();
      return;
    }
    if (!java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/xclip"))) {
      throw new IllegalStateException("xclip is missing: apt-get install xclip (CI installs it)");
    }
    fleet = SharedDisplayFleet.start(base.getPort(), "clipboard-agent", "clip-vnc", "ap-clip");
    xvnc = fleet.xvnc();
    String admin = login("admin");
    alice = login("alice");
    for (var policy : List.of("TO_DESKTOP", "FROM_DESKTOP", "NONE", "BOTH")) {
      String templateId =
          fleet.template(
              admin,
              "clip-" + policy.toLowerCase().replace('_', '-'),
              Map.of("clipboard", policy, "clipboardMaxBytes", policy.equals("BOTH") ? 16 : 4096));
      desktops.put(policy, fleet.runningDesktop(alice, templateId));
    }
    ready = true;
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void textCopiedInTheDesktopNeverReachesAViewerAllowedOnlyToPasteIn() throws Exception {
    try (RfbPeer viewer = viewer("TO_DESKTOP");
        RfbPeer insider = insider()) {
      String secret = "copied-in-desktop-" + UUID.randomUUID();
      setDesktopClipboard(secret);
      assertThat(insider.awaitCutText()).as("the desktop sent it").isEqualTo(secret);
      // Messages leave the display in order: this update comes after the cut text would have.
      viewer.fullUpdate();
      assertThat(viewer.cutTexts()).as("the brokered viewer got no clipboard").isEmpty();

      String pasted = "pasted-from-viewer-" + UUID.randomUUID();
      viewer.cutText(pasted);
      await().atMost(WAIT).until(() -> pasted.equals(desktopClipboard()));
    }
  }

  @Test
  void textCopiedOnTheViewerNeverReachesADesktopAllowedOnlyToCopyOut() throws Exception {
    try (RfbPeer viewer = viewer("FROM_DESKTOP")) {
      String inDesktop = "copied-in-desktop-" + UUID.randomUUID();
      setDesktopClipboard(inDesktop);
      assertThat(viewer.awaitCutText()).as("copying out is allowed").isEqualTo(inDesktop);

      viewer.cutText("pasted-from-viewer-" + UUID.randomUUID());
      // The display handles a viewer's messages in order: once this update is answered, the cut
      // text before it would have reached the X clipboard.
      viewer.fullUpdate();
      assertThat(desktopClipboard())
          .as("the desktop's clipboard is unchanged")
          .isEqualTo(inDesktop);
    }
  }

  @Test
  void noClipboardCrossesEitherWay() throws Exception {
    try (RfbPeer viewer = viewer("NONE");
        RfbPeer insider = insider()) {
      String inDesktop = "copied-in-desktop-" + UUID.randomUUID();
      setDesktopClipboard(inDesktop);
      assertThat(insider.awaitCutText()).isEqualTo(inDesktop);
      viewer.cutText("pasted-from-viewer-" + UUID.randomUUID());
      viewer.fullUpdate();
      assertThat(viewer.cutTexts()).isEmpty();
      assertThat(desktopClipboard()).isEqualTo(inDesktop);
    }
  }

  @Test
  void clipboardTextOverTheSizeLimitIsDroppedBothWays() throws Exception {
    try (RfbPeer viewer = viewer("BOTH");
        RfbPeer insider = insider()) {
      String fits = "0123456789abcdef"; // the template's limit: 16 bytes
      setDesktopClipboard(fits + "!");
      assertThat(insider.awaitCutText()).isEqualTo(fits + "!");
      viewer.fullUpdate();
      assertThat(viewer.cutTexts()).as("17 bytes out").isEmpty();
      setDesktopClipboard(fits);
      assertThat(viewer.awaitCutText()).as("16 bytes out").isEqualTo(fits);

      viewer.cutText("fedcba9876543210!");
      viewer.fullUpdate();
      assertThat(desktopClipboard()).as("17 bytes in").isEqualTo(fits);
      viewer.cutText("fedcba9876543210");
      await().atMost(WAIT).until(() -> "fedcba9876543210".equals(desktopClipboard()));
    }
  }

  @Test
  void aViewerCannotNegotiateAroundTheFilter() throws Exception {
    try (RfbPeer viewer = viewer("TO_DESKTOP", RfbPeer.EXTENDED_CLIPBOARD, RfbPeer.TIGHT);
        RfbPeer insider = insider()) {
      // Tight and the extended clipboard were struck from its SetEncodings: the display draws in
      // Raw (RfbPeer fails on anything else) and announces no extended clipboard.
      assertThat(viewer.fullUpdate().encodings()).isNotEmpty().containsOnly(RfbPeer.RAW);
      String secret = "copied-in-desktop-" + UUID.randomUUID();
      setDesktopClipboard(secret);
      assertThat(insider.awaitCutText()).isEqualTo(secret);
      viewer.fullUpdate();
      assertThat(viewer.cutTexts()).isEmpty();
    }
  }

  @Test
  void rfbTheBrokerCannotFollowEndsTheConnection() throws Exception {
    // Another security type than None: the broker offers only None.
    try (DisplayClient c = DisplayClient.open(ticket("NONE"), origin(), "binary")) {
      RfbPeer raw = RfbPeer.through(c);
      raw.readRaw(12);
      raw.writeRaw("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(raw.readRaw(2)).as("only None is offered").containsExactly(1, 1);
      raw.writeRaw(new byte[] {2});
      assertThat(c.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.RFB_REFUSED);
    }
    // An unknown message type, which could hide anything.
    try (DisplayClient c = DisplayClient.open(ticket("NONE"), origin(), "binary")) {
      RfbPeer.through(c).handshake().writeRaw(new byte[] {99, 0, 0, 0, 0, 0, 0, 0});
      assertThat(c.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.RFB_REFUSED);
    }
    // A pixel format change once pixels are on their way would desynchronise the broker.
    try (DisplayClient c = DisplayClient.open(ticket("NONE"), origin(), "binary")) {
      RfbPeer peer = RfbPeer.through(c).handshake();
      peer.setEncodings(RfbPeer.RAW);
      // Asking for pixels is enough: the change is refused whether or not they arrived yet.
      peer.writeRaw(new byte[] {3, 0, 0, 0, 0, 0, 0, 1, 0, 1});
      byte[] setPixelFormat = new byte[20];
      setPixelFormat[4] = 8;
      peer.writeRaw(setPixelFormat);
      assertThat(c.closeCode(WAIT)).isEqualTo(DisplayCloseCodes.RFB_REFUSED);
    }
    // The refusals changed nothing: the desktop runs and the next viewer is served.
    try (RfbPeer viewer = viewer("NONE")) {
      assertThat(viewer.fullUpdate().encodings()).isNotEmpty();
    }
  }

  private RfbPeer viewer(String policy, int... moreEncodings) throws Exception {
    RfbPeer peer =
        RfbPeer.through(DisplayClient.open(ticket(policy), origin(), "binary")).handshake();
    int[] encodings = new int[moreEncodings.length + 1];
    System.arraycopy(moreEncodings, 0, encodings, 0, moreEncodings.length);
    encodings[moreEncodings.length] = RfbPeer.RAW;
    peer.setEncodings(encodings);
    peer.fullUpdate();
    return peer;
  }

  private RfbPeer insider() throws Exception {
    RfbPeer peer = RfbPeer.direct(xvnc.port()).handshake();
    peer.setEncodings(RfbPeer.RAW);
    peer.fullUpdate();
    return peer;
  }

  /** A program in the desktop copies {@code text} (xclip keeps serving it in the background). */
  private void setDesktopClipboard(String text) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("xclip", "-selection", "clipboard", "-i");
    pb.environment().put("DISPLAY", xvnc.display());
    Process p =
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    p.getOutputStream().close();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    await().atMost(WAIT).until(() -> text.equals(desktopClipboard()));
  }

  /** What a program in the desktop would paste. */
  private String desktopClipboard() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("xclip", "-selection", "clipboard", "-o");
    pb.environment().put("DISPLAY", xvnc.display());
    Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return null;
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  private String origin() {
    return "http://localhost:" + base.getPort();
  }

  private String ticket(String policy) {
    return SharedDisplayFleet.ticket(alice, desktops.get(policy))
        .getString("data.connectDesktop.url");
  }
}
