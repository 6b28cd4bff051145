package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.agent.runtime.DesktopFiles;
import io.opencdi.agent.runtime.FileEntry;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.FileNames;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.PrintJob;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtual PDF printer of a real local desktop (ADR 0043): a program of the desktop's user
 * prints with {@code lp}, as any application of the session would through its {@code CUPS_SERVER},
 * and the PDF appears in the desktop's prints folder, outside its home, the user's own, and is
 * listed and downloaded through {@link LocalRuntime#files(String, String, FileOpen.Folder)}. The
 * folder is the only place the printer reaches: bound {@code noexec}, with nothing writable around
 * it.
 */
class LocalDesktopPrintingTest {
  private static final Duration START = Duration.ofSeconds(40);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String PDF_NAME =
      "\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z-job-\\d+-Quarterly-report-draft\\.pdf";

  /** The CUPS_SERVER the session's programs were given, as they see it. */
  private static final String SESSION_CUPS_SERVER =
      """
      for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ 2>/dev/null | grep '^CUPS_SERVER='; \
      done | sort -u
      """;

  @TempDir Path tmp;

  private final List<LocalRuntime> runtimes = new CopyOnWriteArrayList<>();
  private final Statuses statuses = new Statuses();

  @AfterEach
  void close() {
    runtimes.forEach(LocalRuntime::close);
  }

  @Test
  void aPrintedPageBecomesAPdfInThePrintsFolderOutsideTheHome() throws Exception {
    LocalRuntime runtime = runtimeWithCups();
    List<PrintJob> jobs = new CopyOnWriteArrayList<>();
    runtime.addListener(
        new RuntimeListener() {
          @Override
          public void printed(PrintJob job) {
            jobs.add(job);
          }
        });
    assertThat(runtime.start(LocalDesktops.spec("p1")).accepted()).isTrue();
    statuses.awaitState("p1", RUNNING, START);
    Launch desktop = runtime.launch("p1").orElseThrow();
    Path prints = desktopDir("p1").resolve("prints");
    Path home = desktopDir("p1").resolve("home");

    // The folder: the desktop user's alone, next to the home.
    assertThat(Files.getAttribute(prints, "unix:uid", LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(desktop.uid());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(prints)))
        .isEqualTo("rwx------");

    // Every program of the session is told where the printer is.
    String cupsServer = cupsServer(desktop);

    // The user prints: lp goes to the default printer, OpenCDI-PDF.
    String printed =
        inDesktop(
            desktop,
            "export "
                + cupsServer
                + "; lpstat -d; printf 'Quarterly report\\nfigures\\n'"
                + " | lp -t 'Quarterly report (draft)' && echo QUEUED");
    assertThat(printed).contains("OpenCDI-PDF", "QUEUED");

    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(names(prints)).anyMatch(n -> n.matches(PDF_NAME)));
    String name = names(prints).stream().filter(n -> n.matches(PDF_NAME)).findFirst().get();
    assertThat(names(prints)).containsExactly(name); // no partial file is left
    assertThat(FileNames.valid(name)).isTrue();
    Path pdf = prints.resolve(name);
    assertThat(
            new String(Files.readAllBytes(pdf), 0, 5, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("%PDF-");
    assertThat(Files.getAttribute(pdf, "unix:uid", LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(desktop.uid());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pdf)))
        .isEqualTo("rw-r--r--");

    // The agent tells of the new PDF by itself, once, for the gateway to tell the user.
    await().atMost(WAIT).untilAsserted(() -> assertThat(jobs).hasSize(1));
    assertThat(jobs.get(0))
        .isEqualTo(
            new PrintJob("p1", "local", name, Files.size(pdf), jobs.get(0).printedAtEpochMillis()));

    // Handed out through the prints folder, not the home.
    DesktopFiles files = runtime.files("local", "p1", FileOpen.Folder.PRINTS).orElseThrow();
    assertThat(files.list()).extracting(FileEntry::name).containsExactly(name);
    try (DesktopFiles.Download download = files.open(name, 10 << 20)) {
      assertThat(download.stream().readAllBytes()).isEqualTo(Files.readAllBytes(pdf));
    }
    DesktopFiles homeFiles = runtime.files("local", "p1", FileOpen.Folder.HOME).orElseThrow();
    assertThat(homeFiles.list()).extracting(FileEntry::name).doesNotContain(name);
    try (Stream<Path> all = Files.walk(home)) {
      assertThat(all.filter(p -> p.toString().endsWith(".pdf")).toList()).isEmpty();
    }

    // Inside, the folder is the bound one, writable but never executable, and leads nowhere else.
    String mounts = inDesktop(desktop, "grep ' /tmp/.opencdi/prints ' /proc/self/mountinfo");
    assertThat(mounts).contains(" rw,", "nosuid", "nodev", "noexec");
    String attack =
        inDesktop(
            desktop,
            "d=/tmp/.opencdi/prints; ls $d; cp /bin/true $d/run && $d/run && echo RAN; rm -f $d/run;"
                + " touch $d/../escaped && echo ESCAPED; touch $d/../policy/escaped && echo"
                + " POLICY");
    assertThat(attack).contains(name).doesNotContain("RAN", "ESCAPED", "POLICY");
    assertThat(desktopDir("p1").resolve("escaped")).doesNotExist();

    // Kept across a power cycle, removed with the desktop; a start keeps only the newest prints.
    assertThat(runtime.stop(LocalDesktops.spec("p1")).accepted()).isTrue();
    statuses.awaitState("p1", STOPPED, START);
    int keep = PrintRetention.DEFAULTS.maxPrints();
    for (int i = 0; i < keep; i++) {
      Path older = Files.writeString(prints.resolve("older-%03d.pdf".formatted(i)), "%PDF-");
      Files.setLastModifiedTime(older, FileTime.fromMillis(1_600_000_000_000L + i));
    }
    assertThat(runtime.start(LocalDesktops.spec("p1")).accepted()).isTrue();
    statuses.awaitState("p1", RUNNING, START);
    assertThat(names(prints))
        .hasSize(keep)
        .contains(name, "older-001.pdf", "older-%03d.pdf".formatted(keep - 1))
        .doesNotContain("older-000.pdf");
    Thread.sleep(2_000); // two looks at the folder: a PDF of an earlier run is no news
    assertThat(jobs).hasSize(1);
    assertThat(runtime.delete("local", "p1").accepted()).isTrue();
    statuses.awaitState("p1", DELETED, START);
    assertThat(prints).doesNotExist();
  }

  /**
   * What most programs that print without a PDF of their own send (xterm's print, LibreOffice's and
   * many others' print dialogs): PostScript, made a PDF like any other job.
   */
  @Test
  void aPostScriptPagePrintsAsAPdf() throws Exception {
    LocalRuntime runtime = runtimeWithCups();
    assertThat(runtime.start(LocalDesktops.spec("ps1")).accepted()).isTrue();
    statuses.awaitState("ps1", RUNNING, START);
    Launch desktop = runtime.launch("ps1").orElseThrow();
    Path prints = desktopDir("ps1").resolve("prints");
    String cupsServer = cupsServer(desktop);
    String printed =
        inDesktop(
            desktop,
            "export "
                + cupsServer
                + "; printf '%s\\n' '%!PS-Adobe-3.0' '/Helvetica findfont 24 scalefont setfont'"
                + " '72 720 moveto (Quarterly report) show' showpage"
                + " | lp -t 'Quarterly report (draft)' -o document-format=application/postscript"
                + " && echo QUEUED");
    assertThat(printed).contains("QUEUED");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(names(prints)).anyMatch(n -> n.matches(PDF_NAME)));
    String name = names(prints).stream().filter(n -> n.matches(PDF_NAME)).findFirst().get();
    byte[] pdf = Files.readAllBytes(prints.resolve(name));
    assertThat(new String(pdf, 0, 5, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("%PDF-");
    // The page's text is in it (pdftotext: poppler-utils, which cups-filters brings).
    HostCommands.Result text =
        HostCommands.run(10_000, "pdftotext", prints.resolve(name).toString(), "-");
    assertThat(text.output()).contains("Quarterly report");
  }

  @Test
  void aGvisorDesktopPrintsToItsPrintsFolderToo() throws Exception {
    Gvisor.Probe probe = Gvisor.probe("runsc");
    assumeTrue(probe.available(), () -> "gVisor is not usable here: " + probe.reason());
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/cupsd")), "CUPS is not installed (cups-daemon)");
    // gVisor desktops need every ancestor of their data traversable.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    LocalRuntime runtime = LocalDesktops.runtime(tmp.resolve("data"), null, START, statuses);
    runtimes.add(runtime);
    DesktopSpec spec = LocalDesktops.spec("g1", "gvisor");
    var admission = runtime.start(spec);
    assertThat(admission.accepted()).as(admission.reason()).isTrue();
    statuses.awaitState("g1", RUNNING, START);
    Path prints = tmp.resolve("data/desktops/g1/prints");

    HostCommands.Result printed =
        runtime.execInSandbox(
            "g1",
            "/bin/bash",
            "-c",
            "export $("
                + SESSION_CUPS_SERVER.strip()
                + " | head -1); echo \"$CUPS_SERVER\";"
                + " echo from-gvisor | lp -t 'Quarterly report (draft)' && echo QUEUED");
    assertThat(printed.output()).containsPattern("/tmp/\\S+/cups\\.sock").contains("QUEUED");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(names(prints)).anyMatch(n -> n.matches(PDF_NAME)));
    String name = names(prints).stream().filter(n -> n.matches(PDF_NAME)).findFirst().get();
    assertThat(Files.readString(prints.resolve(name), java.nio.charset.StandardCharsets.ISO_8859_1))
        .startsWith("%PDF-");
    assertThat(
            runtime.files("local", "g1", FileOpen.Folder.PRINTS).orElseThrow().list().stream()
                .map(FileEntry::name))
        .containsExactly(name);
    runtime.delete("local", "g1");
    statuses.awaitState("g1", DELETED, START);
    assertThat(prints).doesNotExist();
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Path desktopDir(String id) {
    return tmp.resolve("private/data/desktops").resolve(id);
  }

  /** The CUPS_SERVER every program of the session is told, as {@code CUPS_SERVER=…}. */
  private static String cupsServer(Launch desktop) {
    String session = inDesktop(desktop, SESSION_CUPS_SERVER);
    assertThat(session).containsPattern("(?m)^CUPS_SERVER=/tmp/\\S+/cups\\.sock$");
    return session.lines().filter(l -> l.startsWith("CUPS_SERVER=")).findFirst().get();
  }

  private static String inDesktop(Launch desktop, String script) {
    return DesktopShell.run(desktop, script + " 2>&1").output();
  }

  /** A runtime whose desktops print: under root, with CUPS installed. */
  private LocalRuntime runtimeWithCups() throws Exception {
    assumeTrue(
        HostCommands.uid() == 0, "desktops get a mount namespace of their own only under root");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/cupsd")), "CUPS is not installed (cups-daemon)");
    return runtime();
  }

  private LocalRuntime runtime() throws Exception {
    Path parent = Files.createDirectories(tmp.resolve("private"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
    LocalRuntime runtime = LocalDesktops.runtime(parent.resolve("data"), null, START, statuses);
    runtimes.add(runtime);
    return runtime;
  }
}
