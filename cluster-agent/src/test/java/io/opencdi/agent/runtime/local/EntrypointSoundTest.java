package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entrypoint's sound when the image lacks PulseAudio: a warning, a silent desktop, never a
 * failed start. (With PulseAudio, LocalDesktopAudioTest runs the whole entrypoint in a desktop.)
 */
class EntrypointSoundTest {
  private static final Path ENTRYPOINT = Path.of("../images/desktop/entrypoint.sh");

  @TempDir Path tmp;

  @Test
  void withoutPulseAudioTheDesktopIsSilentNotBroken() throws Exception {
    assertThat(ENTRYPOINT).isRegularFile();
    // The entrypoint's start_audio alone, run where no program can be found.
    String script =
        """
        log() { printf '%s\\n' "$*" >&2; }
        eval "$(/usr/bin/sed -n '/^audio_pids=()/,/^}/p' "$1")"
        export XDG_RUNTIME_DIR="$2" OPENCDI_AUDIO_SOCKET="$2/snd.sock" PATH="$2/empty"
        start_audio; echo "rc=$? pulse=${PULSE_SERVER:-none} started=${#audio_pids[@]}"
        """;
    Files.createDirectory(tmp.resolve("empty"));
    HostCommands.Result result = runStartAudio(script);
    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .contains("warning: no sound: pulseaudio is not installed")
        .contains("rc=0 pulse=none started=0");
    assertThat(tmp.resolve("snd.sock")).doesNotExist();
  }

  /**
   * Sound on TCP (a gVisor sandbox) is served to one peer alone: without that peer, or with an
   * address that is not IPv4:PORT, the desktop is silent rather than open to whoever connects.
   */
  @Test
  void soundOnTcpWithoutItsOnePeerIsNeverServed() throws Exception {
    String script =
        """
        log() { printf '%s\\n' "$*" >&2; }
        eval "$(/usr/bin/sed -n '/^audio_pids=()/,/^}/p' "$1")"
        export XDG_RUNTIME_DIR="$2"
        unset OPENCDI_AUDIO_SOCKET
        for peer in "" "0.0.0.0/0" "10.250.0.1 -x"; do
          OPENCDI_AUDIO_TCP=10.250.0.2:5910 OPENCDI_AUDIO_PEER="$peer" start_audio
          echo "peer=[$peer] rc=$? started=${#audio_pids[@]}"
        done
        OPENCDI_AUDIO_TCP="10.250.0.2:5910,range=0.0.0.0/0" OPENCDI_AUDIO_PEER=10.250.0.1 start_audio
        echo "options rc=$? started=${#audio_pids[@]}"
        """;
    HostCommands.Result result = runStartAudio(script);
    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .contains("peer=[] rc=0 started=0")
        .contains("peer=[0.0.0.0/0] rc=0 started=0")
        .contains("peer=[10.250.0.1 -x] rc=0 started=0")
        .contains("options rc=0 started=0")
        .contains("warning: no sound: OPENCDI_AUDIO_TCP and OPENCDI_MIC_TCP must be IPv4:PORT");
  }

  /**
   * In a Kubernetes Pod the peer is the agent pods' range (ADR 0044): a range from /8 to /32 passes
   * the check (the desktop then goes on to start its sound: here it finds no PulseAudio), a wider
   * one does not.
   */
  @Test
  void soundOnTcpIsServedToARangeNoWiderThanSlashEight() throws Exception {
    String script =
        """
        log() { printf '%s\\n' "$*" >&2; }
        eval "$(/usr/bin/sed -n '/^audio_pids=()/,/^}/p' "$1")"
        export XDG_RUNTIME_DIR="$2" PATH="$2/empty"
        unset OPENCDI_AUDIO_SOCKET
        for peer in 10.244.0.0/16 10.0.0.0/8 10.0.0.0/7 0.0.0.0/0 10.244.0.0/33; do
          OPENCDI_AUDIO_TCP=0.0.0.0:5910 OPENCDI_MIC_TCP=0.0.0.0:5911 OPENCDI_AUDIO_PEER="$peer" \\
            start_audio 2>&1 | /usr/bin/grep -o "is not installed\\|must be IPv4"; echo " <- $peer"
        done
        """;
    Files.createDirectory(tmp.resolve("empty"));
    HostCommands.Result result = runStartAudio(script);
    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .contains("is not installed\n <- 10.244.0.0/16")
        .contains("is not installed\n <- 10.0.0.0/8")
        .contains("must be IPv4\n <- 10.0.0.0/7")
        .contains("must be IPv4\n <- 0.0.0.0/0")
        .contains("must be IPv4\n <- 10.244.0.0/33");
  }

  /** Runs {@code script} with the entrypoint's path as $1 and a scratch directory as $2. */
  private HostCommands.Result runStartAudio(String script) {
    return HostCommands.run(
        10_000,
        "/bin/bash",
        "-c",
        script,
        "test",
        ENTRYPOINT.toAbsolutePath().toString(),
        tmp.toString());
  }
}
