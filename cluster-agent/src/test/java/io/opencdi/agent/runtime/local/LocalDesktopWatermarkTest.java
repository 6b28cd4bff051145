package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.protocol.DesktopSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watermark inside a real local desktop (ADR 0040), seen and attacked from a program of the
 * desktop's own user (entered with nsenter, as in {@link LocalDesktopIsolationTest}): the window
 * that draws it lets every click through and stays on top, and the user can neither rewrite the
 * text, nor remove it, nor close the window for good. That the text is in the pixels a viewer
 * receives is the gateway's {@code WatermarkTest}.
 */
class LocalDesktopWatermarkTest {
  private static final Duration START = Duration.ofSeconds(40);
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** Prints what X says of the watermark's window, as any client of the display may ask. */
  private static final String INSPECT =
      """
      python3 - <<'PY'
      from Xlib import X, display
      from Xlib.ext import shape
      d = display.Display()
      root = d.screen().root
      stack = root.query_tree().children
      marks = [w for w in stack if w.get_wm_name() == "opencdi-watermark"]
      print("WINDOWS", len(marks))
      for w in marks:
          mapped = w.get_attributes().map_state == X.IsViewable
          print("MAPPED", mapped)
          print("INPUT-RECTANGLES", len(w.shape_get_rectangles(shape.SK.Input).rectangles))
          print("GLYPH-RECTANGLES", len(w.shape_get_rectangles(shape.SK.Bounding).rectangles))
          print("ON-TOP", [s for s in stack if s.get_attributes().map_state == X.IsViewable][-1] == w)
      PY
      """;

  /** Closes the watermark's X connection as xkill would. */
  private static final String KILL_CLIENT =
      """
      python3 - <<'PY'
      from Xlib import display
      d = display.Display()
      for w in d.screen().root.query_tree().children:
          if w.get_wm_name() == "opencdi-watermark":
              w.kill_client()
      d.sync()
      print("KILLED")
      PY
      """;

  @TempDir Path tmp;

  private final List<LocalRuntime> runtimes = new CopyOnWriteArrayList<>();
  private final Statuses statuses = new Statuses();

  @AfterEach
  void close() {
    runtimes.forEach(LocalRuntime::close);
  }

  @Test
  void theWatermarkIsClickThroughOnTopAndOutOfTheUsersReach() throws Exception {
    assumeTrue(
        HostCommands.uid() == 0, "desktops get a mount namespace of their own only under root");
    LocalRuntime runtime = runtime();
    assertThat(runtime.start(spec("w1")).accepted()).isTrue();
    statuses.awaitState("w1", RUNNING, START);
    Launch desktop = runtime.launch("w1").orElseThrow();
    String x = "export DISPLAY=:" + desktop.display() + " XAUTHORITY=$HOME/.Xauthority; ";

    // No viewer has connected: nothing is drawn.
    assertThat(inDesktop(desktop, x + INSPECT)).doesNotContain("MAPPED True");

    runtime.watermark("local", "w1", "alice on desktop w1 at {time}");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(inDesktop(desktop, x + INSPECT))
                    .contains("WINDOWS 1", "MAPPED True", "INPUT-RECTANGLES 0", "ON-TOP True"));
    // Drawn as glyphs: the window's shape is the text, not a rectangle over the screen.
    assertThat(inDesktop(desktop, x + INSPECT)).containsPattern("GLYPH-RECTANGLES \\d{3,}");

    // A terminal opened afterwards goes under it.
    inDesktop(desktop, x + "setsid xterm -title later >/dev/null 2>&1 < /dev/null & sleep 1");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(inDesktop(desktop, x + INSPECT)).contains("ON-TOP True"));

    // The user can read what is drawn but can neither rewrite it nor remove it.
    Path file = tmpDesktopFile("w1");
    String tampering =
        inDesktop(
            desktop,
            "f=$OPENCDI_WATERMARK_FILE; f=${f:-/tmp/.opencdi/policy/watermark}; cat $f;"
                + " echo nobody > $f && echo WROTE; rm -f $f && echo REMOVED;"
                + " mv $f $f.old && echo MOVED; touch ${f%/*}/other && echo ADDED");
    assertThat(tampering)
        .contains("alice on desktop w1 at {time}")
        .doesNotContain("WROTE", "REMOVED", "MOVED", "ADDED");
    assertThat(Files.readString(file)).isEqualTo("alice on desktop w1 at {time}\n");

    // Closing its X connection (xkill) only takes it away for a moment.
    assertThat(inDesktop(desktop, x + KILL_CLIENT)).contains("KILLED");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(inDesktop(desktop, x + INSPECT)).contains("WINDOWS 1", "MAPPED True"));

    // No watermark for the next connection: nothing drawn.
    runtime.watermark("local", "w1", null);
    assertThat(file).doesNotExist();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(inDesktop(desktop, x + INSPECT)).doesNotContain("MAPPED True"));
  }

  private Path tmpDesktopFile(String id) {
    return tmp.resolve("private/data/desktops").resolve(id).resolve("policy/watermark");
  }

  private static String inDesktop(Launch desktop, String script) {
    return DesktopShell.run(desktop, script + " 2>&1").output();
  }

  private LocalRuntime runtime() throws Exception {
    Path parent = Files.createDirectories(tmp.resolve("private"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
    LocalRuntime runtime = LocalDesktops.runtime(parent.resolve("data"), null, START, statuses);
    runtimes.add(runtime);
    return runtime;
  }

  private static DesktopSpec spec(String id) {
    return LocalDesktops.spec(id);
  }
}
