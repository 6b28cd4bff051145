package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opencdi.protocol.AppLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer store and cache of the local runtime without a desktop: how references find layouts,
 * which manifest a reference names, the overlay mounts a desktop's layers make, and unpacking with
 * umoci once however many ask at once, and the removal of trees no desktop uses. Needs umoci
 * (Debian package umoci), not root.
 */
class LayerCacheTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String D1 = "sha256:" + "1".repeat(64);
  private static final String D2 = "sha256:" + "2".repeat(64);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final AppLayer HELLO = new AppLayer("hello", "1", "example.org/apps/hello:1");
  private static final AppLayer OTHER = new AppLayer("other", "1", "example.org/apps/other:1");

  @TempDir Path tmp;

  @Test
  void aReferenceIsALayoutUnderTheStoreNamedByItsRegistryAndPath() {
    LayerCache cache = new LayerCache(tmp.resolve("store"), tmp.resolve("cache"), "umoci");
    OciImages.Reference hello = OciImages.Reference.parse("ghcr.io/opencdi/apps/hello:1");
    assertThat(hello).isEqualTo(new OciImages.Reference("ghcr.io/opencdi/apps/hello", "1", null));
    assertThat(cache.layout(hello)).isEqualTo(tmp.resolve("store/ghcr.io/opencdi/apps/hello"));
    assertThat(OciImages.Reference.parse("localhost:5000/tools/editor"))
        .isEqualTo(new OciImages.Reference("localhost:5000/tools/editor", "latest", null));
    assertThat(OciImages.Reference.parse("example.org/x:2.1@" + D1))
        .isEqualTo(new OciImages.Reference("example.org/x", "2.1", D1));
    assertThat(OciImages.Reference.parse("example.org/x@" + D1))
        .isEqualTo(new OciImages.Reference("example.org/x", null, D1));
    // Nothing outside the store: no "." or ".." elements, no absolute paths, no empty elements.
    for (String bad :
        List.of(
            "../etc:1",
            "example.org/../../etc:1",
            "/etc/hello:1",
            "example.org//x:1",
            "example.org/./x:1",
            "x:bad tag",
            "x@sha256:short",
            " ")) {
      assertThatThrownBy(() -> OciImages.Reference.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aReferenceNamesTheManifestWithItsTagOrDigestOrNone() throws IOException {
    Path layout = tmp.resolve("store/example.org/x");
    JsonNode index =
        JSON.readTree(
            """
            {"schemaVersion": 2, "manifests": [
              {"digest": "%s", "annotations": {"org.opencontainers.image.ref.name": "1"}},
              {"digest": "%s", "annotations": {"org.opencontainers.image.ref.name": "2"}}]}
            """
                .formatted(D1, D2));
    assertThat(OciImages.select(layout, index, OciImages.Reference.parse("example.org/x:2")))
        .isEqualTo(new OciImages.Found(layout, "2", D2));
    assertThat(OciImages.select(layout, index, OciImages.Reference.parse("example.org/x@" + D1)))
        .isEqualTo(new OciImages.Found(layout, "1", D1));
    assertThatThrownBy(
            () -> OciImages.select(layout, index, OciImages.Reference.parse("example.org/x:3")))
        .hasMessageContaining("image example.org/x:3 is not in the layer store")
        .hasMessageContaining("has no tag 3 (it has 1, 2)");
    assertThatThrownBy(
            () ->
                OciImages.select(layout, index, OciImages.Reference.parse("example.org/x:1@" + D2)))
        .hasMessageContaining("has no tag 1 with digest " + D2);
  }

  @Test
  void layersAreComposedUnderTheHostsOwnDirectoriesHighestFirstSkippingLinks() throws IOException {
    Path host = Files.createDirectories(tmp.resolve("host"));
    Files.createDirectories(host.resolve("usr"));
    Files.createDirectories(host.resolve("opt"));
    Path low = Files.createDirectories(tmp.resolve("low"));
    Files.createDirectories(low.resolve("usr/local/bin"));
    Path mid = Files.createDirectories(tmp.resolve("mid"));
    Files.createDirectories(mid.resolve("usr"));
    Files.createDirectories(mid.resolve("opt/app"));
    Files.createDirectories(mid.resolve("etc"));
    // A link where a directory belongs would make the mount follow it on the host: ignored.
    Path high = Files.createDirectories(tmp.resolve("high"));
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere-on-the-host"));
    Files.createSymbolicLink(high.resolve("usr"), elsewhere);
    Files.createSymbolicLink(high.resolve("opt"), elsewhere);

    assertThat(LayerCache.overlays(List.of(low, mid, high), host))
        .containsExactly(
            new LayerCache.Overlay(
                "/usr", host.resolve("usr") + ":" + mid.resolve("usr") + ":" + low.resolve("usr")),
            new LayerCache.Overlay("/opt", host.resolve("opt") + ":" + mid.resolve("opt")));
    assertThat(LayerCache.overlays(List.of(high), host)).isEmpty();

    Files.delete(host.resolve("opt"));
    assertThatThrownBy(() -> LayerCache.overlays(List.of(mid), host))
        .hasMessageContaining("a layer adds to /opt, which this host lacks");
  }

  @Test
  void aLayerIsUnpackedOnceHoweverManyAskAtOnceAndNothingInItIsWritableByOthers() throws Exception {
    Path store = tmp.resolve("store");
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path bin = Files.createDirectories(src.resolve("usr/local/bin"));
    Files.writeString(bin.resolve("tool"), "#!/bin/sh\necho tool\n");
    Files.setAttribute(bin.resolve("tool"), "unix:mode", 06777);
    Path shared = Files.createDirectories(src.resolve("opt/shared"));
    Files.setAttribute(shared, "unix:mode", 0777);
    LayerImages.build(store, "example.org/apps/tool", "1", src);

    Path cacheDir = tmp.resolve("data/layers");
    LayerCache cache = new LayerCache(store, cacheDir, "umoci");
    cache.prepare();
    AppLayer tool = new AppLayer("tool", "1", "example.org/apps/tool:1");
    List<Callable<Path>> asks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      asks.add(() -> cache.unpack(tool));
    }
    List<Path> trees = new ArrayList<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Future<Path> f : pool.invokeAll(asks)) {
        trees.add(f.get());
      }
    }
    assertThat(trees).containsOnly(trees.getFirst());
    try (var entries = Files.list(cacheDir)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .singleElement()
          .satisfies(name -> assertThat(name).matches("sha256-[0-9a-f]{64}"));
    }
    Path tree = trees.getFirst();
    assertThat(tree.resolve("usr/local/bin/tool")).hasContent("#!/bin/sh\necho tool");
    assertThat(Files.getAttribute(tree.resolve("usr/local/bin/tool"), "unix:mode"))
        .isEqualTo(0100755);
    assertThat(Files.getAttribute(tree.resolve("opt/shared"), "unix:mode")).isEqualTo(040755);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheDir)))
        .isEqualTo("rwx------");
    Object inode = Files.getAttribute(tree, "unix:ino", LinkOption.NOFOLLOW_LINKS);

    // Asked again (another desktop, a new agent): the same tree, not unpacked anew.
    LayerCache again = new LayerCache(store, cacheDir, "umoci");
    Files.createDirectories(cacheDir.resolve(".partial-left-by-a-crash"));
    again.prepare();
    assertThat(again.unpack(tool)).isEqualTo(tree);
    assertThat(Files.getAttribute(tree, "unix:ino", LinkOption.NOFOLLOW_LINKS)).isEqualTo(inode);
    try (var entries = Files.list(cacheDir)) {
      assertThat(entries).containsExactly(tree);
    }
  }

  @Test
  void aLayerNotInTheStoreIsNamedWithWhereItWasLookedFor() throws IOException {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    LayerCache cache = new LayerCache(store, tmp.resolve("cache"), "umoci");
    cache.prepare();
    assertThatThrownBy(() -> cache.unpack(new AppLayer("nope", "1", "example.org/apps/nope:1")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("layer nope 1 (example.org/apps/nope:1)")
        .hasMessageContaining(
            "not in the layer store: no OCI image layout at "
                + store.resolve("example.org/apps/nope"));
    assertThatThrownBy(() -> cache.unpack(new AppLayer("hello", "2", "example.org/apps/hello:2")))
        .hasMessageContaining("has no tag 2 (it has 1)");
    assertThatThrownBy(() -> cache.unpack(new AppLayer("bad", "1", "../../etc:1")))
        .hasMessageContaining("is not a reference");
    try (var entries = Files.list(tmp.resolve("cache"))) {
      assertThat(entries).isEmpty();
    }
  }

  // --- removal of unused trees

  @Test
  void anUnusedLayerIsRemovedOnlyOnceTheGracePeriodHasPassedSinceItWasLastUsed() throws Exception {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    LayerImages.build(store, "example.org/apps/other", "1", Map.of("opt/other/x", "x"));
    AtomicLong clock = new AtomicLong(1_000);
    Path cacheDir = tmp.resolve("cache");
    LayerCache cache =
        new LayerCache(store, cacheDir, "umoci", clock::get, System::currentTimeMillis);
    cache.prepare();
    LayerCache.Held hello = cache.acquireAll(List.of(HELLO)).getFirst();
    LayerCache.Held other = cache.acquireAll(List.of(OTHER)).getFirst();
    cache.release(List.of(hello.digest(), other.digest()));
    assertThat(cache.digests()).containsExactlyInAnyOrder(hello.digest(), other.digest());
    assertThat(cache.images()).containsExactly(HELLO.image(), OTHER.image());
    // A desktop references hello; other was last used now.
    Set<String> inUse = ConcurrentHashMap.newKeySet();
    inUse.add(hello.digest());

    clock.addAndGet(HOUR.toNanos() - 1);
    assertThat(cache.collect(HOUR, () -> inUse)).isEmpty();
    assertThat(other.tree()).isDirectory();
    clock.addAndGet(1);
    assertThat(cache.collect(HOUR, () -> inUse)).containsExactly(other.digest());
    assertThat(other.tree()).doesNotExist();
    assertThat(hello.tree().resolve("usr/share/hello")).hasContent("hi");
    assertThat(cache.images()).containsExactly(HELLO.image());

    // Referenced for days: kept; its grace starts when the desktop lets go of it.
    clock.addAndGet(HOUR.toNanos() * 48);
    assertThat(cache.collect(HOUR, () -> inUse)).isEmpty();
    inUse.clear();
    clock.addAndGet(HOUR.toNanos() / 2);
    assertThat(cache.collect(HOUR, () -> inUse)).isEmpty();
    // The runtime marks a deleted desktop's layers as used at its deletion: grace from then.
    cache.touch(List.of(hello.digest()));
    clock.addAndGet(HOUR.toNanos() * 3 / 4);
    assertThat(cache.collect(HOUR, () -> inUse)).isEmpty();
    clock.addAndGet(HOUR.toNanos() / 4);
    assertThat(cache.collect(HOUR, () -> inUse)).containsExactly(hello.digest());
    try (var entries = Files.list(cacheDir)) {
      assertThat(entries).isEmpty(); // no trash left behind
    }
    assertThat(cache.images()).isEmpty();

    // Asked for again: unpacked anew.
    assertThat(cache.unpack(HELLO).resolve("usr/share/hello")).hasContent("hi");
  }

  @Test
  void aTreeFoundByANewAgentKeepsTheGraceThatStartedAtItsLastUse() throws Exception {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    Path cacheDir = tmp.resolve("cache");
    AtomicLong wall = new AtomicLong(1_800_000_000_000L);
    LayerCache first = new LayerCache(store, cacheDir, "umoci", () -> 0L, wall::get);
    first.prepare();
    Path tree = first.unpack(HELLO); // used now, for the last time

    // The agent restarts forty minutes later: the tree has twenty minutes of grace left, not an
    // hour (an agent restarted more often than the grace would otherwise never collect).
    wall.addAndGet(Duration.ofMinutes(40).toMillis());
    AtomicLong clock = new AtomicLong(5);
    LayerCache again = new LayerCache(store, cacheDir, "umoci", clock::get, wall::get);
    again.prepare();
    assertThat(again.collect(HOUR, Set::of)).isEmpty();
    clock.addAndGet(Duration.ofMinutes(20).toNanos() - 1);
    wall.addAndGet(Duration.ofMinutes(20).toMillis());
    assertThat(again.collect(HOUR, Set::of)).isEmpty();
    assertThat(tree).isDirectory();
    clock.addAndGet(1);
    assertThat(again.collect(HOUR, Set::of)).hasSize(1);
    assertThat(tree).doesNotExist();
  }

  @Test
  void aTreeStampedInTheFutureCountsAsUsedWhenFirstSeen() throws Exception {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    Path cacheDir = tmp.resolve("cache");
    AtomicLong wall = new AtomicLong(1_800_000_000_000L);
    LayerCache first = new LayerCache(store, cacheDir, "umoci", () -> 0L, wall::get);
    first.prepare();
    Path tree = first.unpack(HELLO);

    // The host's clock was set back a day: the stamp is ahead of it.
    wall.addAndGet(-Duration.ofDays(1).toMillis());
    AtomicLong clock = new AtomicLong(5);
    LayerCache again = new LayerCache(store, cacheDir, "umoci", clock::get, wall::get);
    again.prepare();
    assertThat(again.collect(HOUR, Set::of)).isEmpty();
    clock.addAndGet(HOUR.toNanos() - 1);
    assertThat(again.collect(HOUR, Set::of)).isEmpty();
    clock.addAndGet(1);
    assertThat(again.collect(HOUR, Set::of)).hasSize(1);
    assertThat(tree).doesNotExist();
  }

  @Test
  void aLayerHeldForAStartIsNeverRemovedAndOnlyTreesAreTouched() throws Exception {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    Path cacheDir = tmp.resolve("cache");
    LayerCache cache = new LayerCache(store, cacheDir, "umoci");
    cache.prepare();
    // Held twice (two desktops starting at once): kept until both let go, grace or not.
    LayerCache.Held a = cache.acquireAll(List.of(HELLO)).getFirst();
    LayerCache.Held b = cache.acquireAll(List.of(HELLO)).getFirst();
    assertThat(b).isEqualTo(a);
    // What is no tree of the cache's is not the collector's: nothing else there is removed.
    Path stranger = Files.createDirectories(cacheDir.resolve("not-a-digest"));
    Path unpacking = Files.createDirectories(cacheDir.resolve(".partial-sha256-being-unpacked"));
    assertThat(cache.collect(Duration.ZERO, Set::of)).isEmpty();
    cache.release(List.of(a.digest()));
    assertThat(cache.collect(Duration.ZERO, Set::of)).isEmpty();
    assertThat(a.tree().resolve("usr/share/hello")).hasContent("hi");
    cache.release(List.of(b.digest()));
    assertThat(cache.collect(Duration.ZERO, Set::of)).containsExactly(a.digest());
    assertThat(a.tree()).doesNotExist();
    assertThat(stranger).isDirectory();
    assertThat(unpacking).isDirectory();
    // A layer that cannot be found holds nothing.
    assertThatThrownBy(
            () ->
                cache.acquireAll(
                    List.of(HELLO, new AppLayer("nope", "1", "example.org/apps/nope:1"))))
        .hasMessageContaining("nope");
    assertThat(cache.collect(Duration.ZERO, Set::of)).hasSize(1);
  }

  @Test
  void startsRacingCollectionsAlwaysComposeWholeTrees() throws Exception {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    Path cacheDir = tmp.resolve("cache");
    LayerCache cache = new LayerCache(store, cacheDir, "umoci");
    cache.prepare();
    AtomicBoolean done = new AtomicBoolean();
    List<String> removed = new CopyOnWriteArrayList<>();
    List<String> problems = new CopyOnWriteArrayList<>();
    CountDownLatch starts = new CountDownLatch(2);
    Thread collector =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    try {
                      removed.addAll(cache.collect(Duration.ZERO, Set::of));
                    } catch (IOException e) {
                      problems.add("collect: " + e);
                    }
                  }
                });
    List<Thread> starters = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      starters.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 12; i++) {
                        LayerCache.Held held = cache.acquireAll(List.of(HELLO)).getFirst();
                        try {
                          // As a start composing it would: the whole tree, for a while.
                          Thread.sleep(ThreadLocalRandom.current().nextInt(1, 20));
                          if (!Files.readString(held.tree().resolve("usr/share/hello"))
                              .equals("hi")) {
                            problems.add("tree changed under a start");
                          }
                        } finally {
                          cache.release(List.of(held.digest()));
                        }
                        Thread.sleep(ThreadLocalRandom.current().nextInt(0, 30));
                      }
                    } catch (Exception e) {
                      problems.add("start: " + e);
                    } finally {
                      starts.countDown();
                    }
                  }));
    }
    starts.await();
    done.set(true);
    collector.join();
    assertThat(problems).isEmpty();
    // The collector did race the starts: trees were removed between them and unpacked anew.
    assertThat(removed).isNotEmpty();
    Set<String> names = new HashSet<>();
    try (var entries = Files.list(cacheDir)) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    }
    assertThat(names).allMatch(n -> n.matches("sha256-[0-9a-f]{64}"));
  }

  @Test
  void removalsAndUnpacksACrashLeftUnfinishedAreCleanedUp() throws Exception {
    Path store = tmp.resolve("store");
    LayerImages.build(store, "example.org/apps/hello", "1", Map.of("usr/share/hello", "hi"));
    Path cacheDir = tmp.resolve("cache");
    LayerCache cache = new LayerCache(store, cacheDir, "umoci");
    cache.prepare();
    Path tree = cache.unpack(HELLO);
    // A removal cut short: the tree renamed, half deleted.
    Path trash = cacheDir.resolve(".trash-" + tree.getFileName() + "-1f");
    Files.move(tree, trash);
    Files.delete(trash.resolve("usr/share/hello"));
    Path partial = Files.createDirectories(cacheDir.resolve(".partial-sha256-x-2e/usr/bin"));

    // A new agent finds neither as a layer and removes both.
    LayerCache again = new LayerCache(store, cacheDir, "umoci");
    assertThat(again.digests()).isEmpty();
    again.prepare();
    assertThat(trash).doesNotExist();
    assertThat(partial.getParent().getParent()).doesNotExist();
    // The layer is unpacked anew, whole.
    assertThat(again.unpack(HELLO).resolve("usr/share/hello")).hasContent("hi");

    // A removal that failed while the agent ran is finished by the next collection.
    Path late = Files.createDirectories(cacheDir.resolve(".trash-sha256-y-3d/opt"));
    again.collect(HOUR, Set::of);
    assertThat(late.getParent()).doesNotExist();
    assertThat(tree).isDirectory();
  }
}
