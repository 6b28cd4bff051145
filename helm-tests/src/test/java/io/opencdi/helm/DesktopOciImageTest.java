package io.opencdi.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The desktop image built as a clean machine would build it, from Debian's packages with {@code
 * build-oci.sh} (mmdebstrap and umoci, no container engine), then run: its own Xvnc, window manager
 * and entrypoint, in namespaces of their own, chrooted into the image's root file system, as the
 * image's user, answer on the VNC port with an RFB banner.
 */
class DesktopOciImageTest {
  private static final Path SCRIPT = Charts.ROOT.resolve("images/desktop/build-oci.sh");

  /** Runs inside fresh mount, PID and network namespaces: the image's session, then its probe. */
  private static final String RUN_IN_IMAGE =
      """
      set -eu
      rootfs=$1 home=$2
      mount -t proc proc "$rootfs/proc"
      mount -t tmpfs -o mode=1777 tmpfs "$rootfs/tmp"
      mkdir -m 1777 "$rootfs/tmp/.X11-unix"
      mount --bind "$home" "$rootfs/home/desktop"
      ip link set lo up
      chroot "$rootfs" /usr/bin/env -i HOME=/home/desktop OPENCDI_DISPLAY=1 \\
        OPENCDI_VNC_PORT=5901 OPENCDI_SESSION=openbox PATH=/usr/local/bin:/usr/bin:/bin \\
        setpriv --reuid=1000 --regid=1000 --clear-groups \\
        /usr/bin/tini -s -- /usr/local/bin/opencdi-entrypoint run > "$home/desktop.out" 2>&1 &
      i=0
      until chroot "$rootfs" /usr/bin/env -i OPENCDI_VNC_PORT=5901 \\
          /usr/local/bin/opencdi-entrypoint health 2>/dev/null; do
        i=$((i + 1)); [ "$i" -lt 150 ] || { cat "$home/desktop.out"; exit 1; }
        sleep 0.2
      done
      exec 3<>/dev/tcp/127.0.0.1/5901
      head -c 12 <&3; echo
      for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$rootfs" ] || continue
        printf 'image-process %s %s\\n' "$(stat -c %u "$p")" "$(cat "$p/comm")"
      done
      """;

  @TempDir Path work;

  @Test
  void theImageBuildsFromDebianPackagesAndItsDesktopAnswersWithRfb() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "mmdebstrap's root mode, umoci's unpack and chroot need root (CI runs as root)");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/mmdebstrap"))
            && Files.isExecutable(Path.of("/usr/bin/umoci")),
        "mmdebstrap and umoci are installed by .ci/run");
    Path layout = work.resolve("layout");
    String built = run(List.of("bash", SCRIPT.toString(), layout.toString()), 20);
    assertThat(built).contains("built " + layout + ":openbox");

    Path bundle = work.resolve("bundle");
    run(List.of("umoci", "unpack", "--image", layout + ":openbox", bundle.toString()), 5);
    // umoci writes it indented; compared without the layout.
    String config = Files.readString(bundle.resolve("config.json")).replaceAll("\\s", "");
    assertThat(config)
        .contains("\"/usr/bin/tini\",\"--\",\"/usr/local/bin/opencdi-entrypoint\",\"run\"")
        .contains("\"uid\":1000");
    Path rootfs = bundle.resolve("rootfs");
    assertThat(rootfs.resolve("usr/bin/Xtigervnc")).isExecutable();
    assertThat(rootfs.resolve("usr/bin/openbox")).isExecutable();
    assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("desktop:x:1000:1000:");

    Path home = Files.createDirectories(work.resolve("home"));
    run(List.of("chown", "1000:1000", home.toString()), 1);
    String ran =
        run(
            List.of(
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "--net",
                "--propagation",
                "private",
                "--",
                "bash",
                "-c",
                RUN_IN_IMAGE,
                "run-in-image",
                rootfs.toString(),
                home.toString()),
            2);
    assertThat(ran).startsWith("RFB 003.008");
    // The display server and the session are the image's, running as its user.
    assertThat(ran).contains("image-process 1000 Xvnc").contains("image-process 1000 openbox");
  }

  private static String run(List<String> command, int minutes)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    assertThat(p.waitFor(minutes, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s: %s", command, tail(text)).isZero();
    return text;
  }

  private static String tail(String s) {
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }
}
