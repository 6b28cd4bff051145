package io.opencdi.agent.runtime.local;

import static io.opencdi.protocol.DesktopState.DELETED;
import static io.opencdi.protocol.DesktopState.FAILED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.protocol.AppLayer;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.Power;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Application layers on real local desktops (ADR 0037): a layer image built with umoci in a layer
 * store, desktops launched with and without it, and programs run inside them (entered with nsenter
 * into the desktop's namespaces, as its user, as in {@link LocalDesktopIsolationTest}). Desktops
 * with layers need root (their own mount namespace), as CI runs; the refusals do not.
 */
class LocalDesktopLayersTest {
  private static final Duration START = Duration.ofSeconds(40);
  private static final String MARKER = "hello from the opencdi layer 7f3a";
  private static final AppLayer HELLO = new AppLayer("hello", "1", "example.org/apps/hello:1");

  @TempDir Path tmp;

  private final List<LocalRuntime> runtimes = new CopyOnWriteArrayList<>();
  private final Statuses statuses = new Statuses();
  private Path dataDir;
  private Path store;

  @BeforeEach
  void layerStore() throws IOException {
    // A data directory under a directory no one else may enter, as in root's home: the layers'
    // cache in it is mounted by root, whatever desktop users may reach.
    Path parent = Files.createDirectories(tmp.resolve("private"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
    dataDir = parent.resolve("data");
    store = parent.resolve("store");
    LayerImages.build(
        store,
        "example.org/apps/hello",
        "1",
        Map.of(
            "usr/local/bin/opencdi-hello-layer",
            "#!/bin/sh\necho '" + MARKER + "'\n",
            "opt/hello/README",
            "the hello layer\n",
            // A layer cannot replace the host's programs, nor slip one in before them on root's
            // way: were either run by root while it sets the desktop up, the desktop would fail.
            "usr/bin/setpriv",
            "#!/bin/sh\necho LAYER-SETPRIV; exit 97\n",
            "usr/local/bin/setpriv",
            "#!/bin/sh\necho LAYER-SETPRIV; exit 97\n",
            "usr/sbin/mount",
            "#!/bin/sh\necho LAYER-MOUNT; exit 97\n",
            // Nor add to /etc.
            "etc/opencdi-hello-layer.conf",
            "layer config\n"));
  }

  @AfterEach
  void close() {
    runtimes.forEach(LocalRuntime::close);
  }

  @Test
  void aDesktopWithALayerRunsItsProgramAndTheSameDesktopWithoutItDoesNot() throws Exception {
    rootOnly();
    LocalRuntime runtime = runtime();
    // Two desktops with the same layer, started at once, and one without it.
    assertThat(runtime.start(spec("l1").withLayers(List.of(HELLO))).accepted()).isTrue();
    assertThat(runtime.start(spec("l2").withLayers(List.of(HELLO))).accepted()).isTrue();
    assertThat(runtime.start(spec("p1")).accepted()).isTrue();
    awaitState("l1", RUNNING);
    awaitState("l2", RUNNING);
    awaitState("p1", RUNNING);
    // The cluster now reports the layer as cached: placement prefers this host for it.
    assertThat(runtime.clusters().get(0).cachedImages()).containsExactly(HELLO.image());

    for (String id : List.of("l1", "l2")) {
      HostCommands.Result hello =
          inDesktop(
              runtime.launch(id).orElseThrow(),
              "command -v opencdi-hello-layer; opencdi-hello-layer");
      assertThat(hello.output()).as(id).contains("/usr/local/bin/opencdi-hello-layer", MARKER);
    }
    Launch l1 = runtime.launch("l1").orElseThrow();
    // The host's files win over a layer's; the layer's /opt is there, its /etc is not.
    HostCommands.Result composed =
        inDesktop(
            l1,
            "/usr/bin/setpriv --version; cat /opt/hello/README;"
                + " test -e /etc/opencdi-hello-layer.conf && echo LAYER-ETC;"
                + " findmnt -n -o OPTIONS /usr;"
                + " grep -q opencdi-layers /proc/self/mountinfo && echo LAYERS-MOUNTED");
    assertThat(composed.output())
        .contains("setpriv from util-linux", "the hello layer", "LAYERS-MOUNTED")
        .doesNotContain("LAYER-SETPRIV", "LAYER-ETC")
        .containsPattern("(^|\\n|,)ro,nosuid,nodev");
    // Nothing of the layer reached the host's own directories, nor the desktop without it.
    assertThat(
            inDesktop(
                    runtime.launch("p1").orElseThrow(),
                    "opencdi-hello-layer; ls /opt/hello; grep -q opencdi-layers /proc/self/mountinfo && echo LAYERS-MOUNTED")
                .output())
        .doesNotContain(MARKER, "LAYERS-MOUNTED")
        .contains("not found");
    assertThat(Path.of("/usr/local/bin/opencdi-hello-layer")).doesNotExist();
    assertThat(Path.of("/opt/hello")).doesNotExist();

    // Unpacked once for both desktops: one tree in the cache, root's, the cache root's alone.
    Path cache = dataDir.resolve("layers");
    List<Path> trees;
    try (var entries = Files.list(cache)) {
      trees = entries.toList();
    }
    assertThat(trees).singleElement();
    Path tree = trees.getFirst();
    assertThat(tree.resolve("usr/local/bin/opencdi-hello-layer")).exists();
    assertThat(Files.getAttribute(tree.resolve("usr/local/bin/opencdi-hello-layer"), "unix:uid"))
        .isEqualTo(0);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)))
        .isEqualTo("rwx------");

    // The layer is read-only to the desktop; its user's own changes land in its home.
    HostCommands.Result write =
        inDesktop(
            l1,
            "echo changed > /usr/local/bin/opencdi-hello-layer; touch /usr/local/bin/mine;"
                + " touch /opt/hello/mine; rm -f /opt/hello/README; echo mine > \"$HOME\"/mine.txt"
                + " && echo WROTE-HOME; opencdi-hello-layer");
    assertThat(write.output())
        .contains("Read-only file system", "WROTE-HOME", MARKER)
        .doesNotContain("changed");
    assertThat(tree.resolve("usr/local/bin/opencdi-hello-layer")).content().contains(MARKER);
    assertThat(tree.resolve("usr/local/bin/mine")).doesNotExist();
    assertThat(tree.resolve("opt/hello/README")).exists();
    assertThat(runtime.home("l1").resolve("mine.txt")).hasContent("mine");
    // Even root in the desktop cannot write through the overlay.
    assertThat(
            HostCommands.run(
                    10_000,
                    "nsenter",
                    "--target=" + l1.namespaceInit().orElseThrow().pid(),
                    "--mount",
                    "--",
                    "/usr/bin/touch",
                    "/usr/local/bin/mine")
                .output())
        .contains("Read-only file system");
    assertThat(tree.resolve("usr/local/bin/mine")).doesNotExist();

    // The same desktop without the layer does not have the program; its home is the same.
    runtime.stop(spec("l1").withLayers(List.of(HELLO)));
    awaitState("l1", STOPPED);
    statuses.clear();
    runtime.start(spec("l1"));
    awaitState("l1", RUNNING);
    HostCommands.Result without =
        inDesktop(
            runtime.launch("l1").orElseThrow(),
            "opencdi-hello-layer; ls /opt/hello; cat \"$HOME\"/mine.txt");
    assertThat(without.output()).doesNotContain(MARKER).contains("not found", "mine");
    try (var entries = Files.list(cache)) {
      assertThat(entries).containsExactly(tree);
    }
  }

  @Test
  void aLayerThatIsNotInTheStoreFailsTheStartWithTheReason() throws Exception {
    rootOnly();
    LocalRuntime runtime = runtime();
    AppLayer nope = new AppLayer("nope", "1", "example.org/apps/nope:1");
    assertThat(runtime.start(spec("n1").withLayers(List.of(HELLO, nope))).accepted()).isTrue();
    awaitState("n1", FAILED);
    assertThat(statuses.lastOf("n1").reason())
        .contains("layer nope 1 (example.org/apps/nope:1)")
        .contains("not in the layer store")
        .contains(store.resolve("example.org/apps/nope").toString());
    assertThat(runtime.launch("n1")).isEmpty();
    assertThat(runtime.home("n1")).doesNotExist();

    AppLayer two = new AppLayer("hello", "2", "example.org/apps/hello:2");
    runtime.start(spec("n2").withLayers(List.of(two)));
    awaitState("n2", FAILED);
    assertThat(statuses.lastOf("n2").reason()).contains("has no tag 2 (it has 1)");
    assertThat(runtime.launch("n2")).isEmpty();
  }

  @Test
  void aLayeredDesktopIsRefusedWhereItCouldNotHaveItsLayers() {
    LocalRuntime runtime = runtime();
    // gVisor desktops see the host's file system read-only: no layers there (also without runsc).
    Admission gvisor =
        runtime.start(
            new DesktopSpec(
                    "g1",
                    "desktop g1",
                    "alice",
                    "local",
                    LocalSettings.hostNodeName(),
                    "opencdi/desktop-openbox:0.1",
                    500,
                    512,
                    "gvisor",
                    "local-home",
                    1,
                    Power.ON)
                .withLayers(List.of(HELLO)));
    assertThat(gvisor.accepted()).isFalse();
    assertThat(gvisor.reason()).contains("cannot run application layers on runtime class gvisor");
    if (HostCommands.uid() != 0) {
      // Without root there is no mount namespace of its own: refused, never run without its apps.
      Admission plain = runtime.start(spec("u1").withLayers(List.of(HELLO)));
      assertThat(plain.accepted()).isFalse();
      assertThat(plain.reason()).contains("needs the agent to run as root");
    }
    assertThat(runtime.inventory()).isEmpty();
    assertThat(statuses).isEmpty();
  }

  @Test
  void layersOfDeletedDesktopsAreRemovedAndThoseOfStoppedOnesKeptAcrossAgentRestarts()
      throws Exception {
    rootOnly();
    AppLayer other = new AppLayer("other", "1", "example.org/apps/other:1");
    LayerImages.build(store, "example.org/apps/other", "1", Map.of("opt/other/README", "other\n"));
    // No grace: an unused layer goes at the next collection (the runtime's own, every second, too).
    LocalRuntime runtime = runtime(Duration.ZERO);
    runtime.start(spec("k1").withLayers(List.of(HELLO)));
    runtime.start(spec("k2").withLayers(List.of(other)));
    awaitState("k1", RUNNING);
    awaitState("k2", RUNNING);
    Path cache = dataDir.resolve("layers");
    List<Path> trees = trees(cache);
    assertThat(trees).hasSize(2);
    Path helloTree = treeOf(cache, HELLO);
    Path otherTree = treeOf(cache, other);
    assertThat(runtime.collectLayers()).isEmpty();

    // Stopped, a desktop keeps its layers for its next start, also across an agent restart.
    runtime.stop(spec("k1").withLayers(List.of(HELLO)));
    awaitState("k1", STOPPED);
    assertThat(runtime.collectLayers()).isEmpty();
    runtime.close();
    runtimes.remove(runtime);
    statuses.clear();
    LocalRuntime again = runtime(Duration.ZERO);
    assertThat(again.collectLayers()).isEmpty();
    assertThat(trees(cache)).containsExactlyInAnyOrderElementsOf(trees);

    // Deleted, it lets go of them: gone once no desktop has used them for the grace period.
    again.delete("local", "k2");
    awaitState("k2", DELETED);
    awaitGone(again, otherTree);
    assertThat(helloTree.resolve("usr/local/bin/opencdi-hello-layer")).exists();

    // A desktop an earlier agent started has no record of its layers: it keeps all there were.
    Files.delete(dataDir.resolve("desktops/k1/layers"));
    again.close();
    runtimes.remove(again);
    LocalRuntime third = runtime(Duration.ZERO);
    assertThat(third.collectLayers()).isEmpty();
    assertThat(helloTree).isDirectory();
    // Started again, it records what it uses; the same layer, still there.
    statuses.clear();
    third.start(spec("k1").withLayers(List.of(HELLO)));
    awaitState("k1", RUNNING);
    assertThat(dataDir.resolve("desktops/k1/layers"))
        .content()
        .contains("sha256:" + helloTree.getFileName().toString().substring("sha256-".length()));
    assertThat(inDesktop(third.launch("k1").orElseThrow(), "opencdi-hello-layer").output())
        .contains(MARKER);
    third.delete("local", "k1");
    awaitState("k1", DELETED);
    awaitGone(third, helloTree);
    // Renamed away first, then deleted (the runtime's own collection may still be deleting it).
    long deadline = System.nanoTime() + START.toNanos();
    while (!trees(cache).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(trees(cache)).isEmpty();
  }

  @Test
  void aDeletedDesktopsLayerStaysForTheGracePeriod() throws Exception {
    rootOnly();
    LocalRuntime runtime = runtime(Duration.ofHours(1));
    runtime.start(spec("g1").withLayers(List.of(HELLO)));
    awaitState("g1", RUNNING);
    Path tree = treeOf(dataDir.resolve("layers"), HELLO);
    runtime.delete("local", "g1");
    awaitState("g1", DELETED);
    assertThat(runtime.collectLayers()).isEmpty();
    assertThat(tree.resolve("usr/local/bin/opencdi-hello-layer")).exists();
    // Another desktop starting with it meanwhile finds it, not unpacked anew.
    Object inode = Files.getAttribute(tree, "unix:ino");
    runtime.start(spec("g2").withLayers(List.of(HELLO)));
    awaitState("g2", RUNNING);
    assertThat(Files.getAttribute(tree, "unix:ino")).isEqualTo(inode);
  }

  // --- helpers

  private static void rootOnly() {
    assumeTrue(
        HostCommands.uid() == 0, "desktops get a mount namespace of their own only under root");
  }

  /** Runs a bash script as a program of the desktop: in its namespaces, as its user. */
  private static HostCommands.Result inDesktop(Launch desktop, String script) {
    return DesktopShell.run(desktop, script + " 2>&1");
  }

  private LocalRuntime runtime() {
    return runtime(LocalSettings.DEFAULT_LAYER_GRACE);
  }

  private LocalRuntime runtime(Duration layerGrace) {
    LocalRuntime runtime = LocalDesktops.runtime(dataDir, store, START, statuses, layerGrace);
    runtimes.add(runtime);
    return runtime;
  }

  private static List<Path> trees(Path cache) throws IOException {
    try (var entries = Files.list(cache)) {
      return entries.toList();
    }
  }

  /** The unpacked tree of a layer: its manifest's digest, as the store names it. */
  private Path treeOf(Path cache, AppLayer layer) throws IOException {
    OciImages.Found found = new LayerCache(store, cache, "umoci").find(layer);
    Path tree = cache.resolve(LayerCache.dirName(found.digest()));
    assertThat(tree).isDirectory();
    return tree;
  }

  /** Collects until the tree is gone (the runtime's own collections may be first). */
  private static void awaitGone(LocalRuntime runtime, Path tree) throws InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    while (Files.exists(tree) && System.nanoTime() < deadline) {
      runtime.collectLayers();
      Thread.sleep(50);
    }
    assertThat(tree).doesNotExist();
  }

  private static DesktopSpec spec(String id) {
    return LocalDesktops.spec(id);
  }

  private void awaitState(String id, DesktopState state) {
    statuses.awaitState(id, state, START);
  }
}
