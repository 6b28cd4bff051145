package io.opencdi.agent.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opencdi.protocol.AppLayer;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The application layers of local desktops (ADR 0037): OCI images found in the layer store (a
 * directory of OCI image layouts), each unpacked once per host with {@code umoci raw unpack} into
 * {@code <cache>/<manifest digest>}, owned by the agent (root), never writable by others, and
 * composed read-only into a desktop's own mount namespace by {@link #overlays}.
 *
 * <p>A reference {@code <name>[:<tag>][@<digest>]} is the layout {@code <store>/<name>} (its path
 * elements as directories, registry host included: what {@code skopeo copy docker://REF
 * oci:<store>/NAME:TAG} writes) and, in it, the manifest tagged {@code <tag>} (default {@code
 * latest}) or with that digest. The cache is keyed by the manifest's digest: the same image is
 * unpacked once, whatever the desktops and references that ask for it; a tag moved to another image
 * unpacks that image anew. References and layouts are read by {@link OciImages}.
 *
 * <p>Unpacked trees no desktop uses are removed by {@link #collect}: a tree is <em>in use</em>
 * while a start holds it ({@link #acquireAll} to {@link #release}) or while a desktop the runtime
 * knows references it; once neither holds for the grace period it is renamed to a {@code .trash-}
 * name (never composed) and deleted. The per-digest lock that serialises unpacking also serialises
 * acquiring and removing, so a start never composes a tree being removed.
 */
final class LayerCache {
  /**
   * The host directories a layer may add to, each composed over the host's own. Never {@code /etc}:
   * a file a layer adds there (e.g. {@code ld.so.preload}) would be read by root in the desktop's
   * namespace while it sets the desktop up.
   */
  static final List<String> TARGETS = List.of("usr", "opt");

  private static final Logger LOG = Logger.getLogger(LayerCache.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PARTIAL_PREFIX = ".partial-";
  private static final String TRASH_PREFIX = ".trash-";
  private static final Pattern DIR_NAME =
      Pattern.compile("sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128}");
  private static final long UNPACK_TIMEOUT_MILLIS = 10 * 60_000;

  // Characters an overlayfs option cannot hold in a lower directory's path.
  private static final Pattern OVERLAY_UNSAFE = Pattern.compile("[:,\\\\\\s]");

  /**
   * One overlay mount of a desktop: {@code target} (a host directory) composed read-only of {@code
   * lowerdir}, topmost first: the host's own directory, then the layers, highest first.
   */
  record Overlay(String target, String lowerdir) {}

  /**
   * A layer held for a desktop's start.
   *
   * @param digest the manifest's digest
   * @param tree its unpacked tree
   */
  record Held(String digest, Path tree) {}

  private final Path store;
  private final Path cache;
  private final String umoci;
  private final LongSupplier nanoClock;
  private final LongSupplier wallMillis;
  private final ConcurrentHashMap<String, ReentrantLock> unpacking = new ConcurrentHashMap<>();
  // The references desktops found here since the agent started (and the digest each named last),
  // for placement's image locality.
  private final Map<String, String> images = new ConcurrentHashMap<>();
  // Guarded by the digest's lock in unpacking: how many starts hold the tree right now.
  private final Map<String, Integer> holds = new ConcurrentHashMap<>();
  // When each digest was last in use (nanoClock). Each use also stamps the tree's directory with
  // the wall clock, so an agent that finds a tree after a restart counts its grace from its last
  // use, not from the restart (an agent restarted more often than the grace would never collect).
  private final Map<String, Long> lastUsed = new ConcurrentHashMap<>();
  // One collection at a time.
  private final Object collecting = new Object();

  /**
   * @param store the layer store: a directory of OCI image layouts
   * @param cache where unpacked layers are kept, one directory per manifest digest
   * @param umoci umoci, a path or a command name
   */
  LayerCache(Path store, Path cache, String umoci) {
    this(store, cache, umoci, System::nanoTime, System::currentTimeMillis);
  }

  /**
   * @param nanoClock a monotonic clock in nanoseconds ({@link System#nanoTime} but in tests)
   * @param wallMillis the wall clock in milliseconds, which outlives the agent ({@link
   *     System#currentTimeMillis} but in tests)
   */
  LayerCache(
      Path store, Path cache, String umoci, LongSupplier nanoClock, LongSupplier wallMillis) {
    this.store = store;
    this.cache = cache;
    this.umoci = umoci;
    this.nanoClock = nanoClock;
    this.wallMillis = wallMillis;
  }

  /** The layer store. */
  Path store() {
    return store;
  }

  /** Where unpacked layers are kept. */
  Path cache() {
    return cache;
  }

  /**
   * The layer images this host has unpacked for desktops since the agent started, sorted: what the
   * cluster reports as cached, so that placement prefers it for desktops with those layers.
   */
  List<String> images() {
    return images.keySet().stream().sorted().toList();
  }

  /**
   * Makes the cache directory (the agent's alone, mode 700: nothing in it is for other host users)
   * and removes unpacks and removals an agent that stopped meanwhile left unfinished.
   */
  void prepare() throws IOException {
    Files.createDirectories(cache);
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
    try (var entries = Files.list(cache)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith(PARTIAL_PREFIX) || name.startsWith(TRASH_PREFIX)) {
          LocalDataDir.deleteTree(p);
        }
      }
    }
  }

  /** The digests of the trees unpacked here now (not those being unpacked or removed). */
  Set<String> digests() throws IOException {
    Set<String> digests = new HashSet<>();
    if (!Files.isDirectory(cache)) {
      return digests;
    }
    try (var entries = Files.list(cache)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (DIR_NAME.matcher(name).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          digests.add(digest(name));
        }
      }
    }
    return digests;
  }

  /**
   * Unpacks a desktop's layers (each once per host) and holds them, so that no {@link #collect}
   * removes them until {@link #release}d: the caller records the digests with its desktop first.
   * Nothing stays held when this throws.
   *
   * @return the held layers, lowest first
   * @throws IOException with a reason naming the layer when one is not in the store or cannot be
   *     unpacked
   */
  List<Held> acquireAll(List<AppLayer> layers) throws IOException {
    checkCachePath();
    List<Held> held = new ArrayList<>();
    try {
      for (AppLayer layer : layers) {
        held.add(acquire(layer));
      }
    } catch (IOException | RuntimeException e) {
      release(held.stream().map(Held::digest).toList());
      throw e;
    }
    return held;
  }

  /** Ends holds taken by {@link #acquireAll}; the trees count as used until now. */
  void release(Collection<String> digests) {
    for (String digest : digests) {
      ReentrantLock lock = lockOf(digest);
      lock.lock();
      try {
        holds.computeIfPresent(digest, (d, n) -> n <= 1 ? null : n - 1);
        used(digest, nanoClock.getAsLong());
      } finally {
        lock.unlock();
      }
    }
  }

  /** Marks trees as used now: a desktop no longer needs them, their grace period starts. */
  void touch(Collection<String> digests) {
    long now = nanoClock.getAsLong();
    for (String digest : digests) {
      used(digest, now);
    }
  }

  /** Records a use of {@code digest}'s tree now, here and on its directory. */
  private void used(String digest, long nowNanos) {
    lastUsed.put(digest, nowNanos);
    try {
      Files.setLastModifiedTime(
          cache.resolve(dirName(digest)), FileTime.fromMillis(wallMillis.getAsLong()));
    } catch (IOException e) {
      // Gone, or never unpacked: nothing to keep for a later agent.
    }
  }

  /**
   * When a tree this agent has not seen in use was last used, on {@code nanoClock}: its directory's
   * stamp, never later than now.
   */
  private long lastUseOf(Path dir, long nowNanos) {
    try {
      long ago =
          wallMillis.getAsLong()
              - Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toMillis();
      return nowNanos - TimeUnit.MILLISECONDS.toNanos(Math.max(0, ago));
    } catch (IOException e) {
      return nowNanos;
    }
  }

  /**
   * Removes the unpacked trees that no start holds, that {@code inUse} does not name and that were
   * last used at least {@code grace} ago (a tree first seen by this agent counts as used when
   * seen), and what earlier removals left. A tree is renamed to a {@code .trash-} name under its
   * digest's lock, then deleted: no start finds it half removed. A tree being unpacked or held by a
   * start is skipped.
   *
   * @param inUse the digests the runtime's desktops reference, asked for each candidate under its
   *     digest's lock (after the holds are checked, so a start that records its digests before it
   *     releases them is never missed)
   * @return the digests removed
   */
  List<String> collect(Duration grace, Supplier<Set<String>> inUse) throws IOException {
    synchronized (collecting) {
      if (!Files.isDirectory(cache)) {
        return List.of();
      }
      long now = nanoClock.getAsLong();
      List<Path> entries;
      try (var list = Files.list(cache)) {
        entries = list.toList();
      }
      List<String> removed = new ArrayList<>();
      Set<String> present = new HashSet<>();
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (name.startsWith(TRASH_PREFIX)) {
          LocalDataDir.deleteTree(p); // a removal that failed half-way
          continue;
        }
        if (!DIR_NAME.matcher(name).matches() || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        String digest = digest(name);
        present.add(digest);
        long last = lastUsed.computeIfAbsent(digest, d -> lastUseOf(p, now));
        if (now - last < grace.toNanos()) {
          continue;
        }
        ReentrantLock lock = lockOf(digest);
        if (!lock.tryLock()) {
          continue; // being unpacked or acquired right now: in use
        }
        Path trash;
        try {
          if (holds.containsKey(digest)) {
            continue;
          }
          if (inUse.get().contains(digest)) {
            used(digest, now);
            continue;
          }
          Long used = lastUsed.get(digest);
          if (used != null && now - used < grace.toNanos()) {
            continue; // released meanwhile
          }
          trash =
              cache.resolve(
                  TRASH_PREFIX
                      + name
                      + "-"
                      + Long.toHexString(ThreadLocalRandom.current().nextLong()));
          Files.move(p, trash, StandardCopyOption.ATOMIC_MOVE);
          lastUsed.remove(digest);
          images.values().removeIf(digest::equals);
        } finally {
          lock.unlock();
        }
        LocalDataDir.deleteTree(trash);
        removed.add(digest);
        LOG.infof("layer %s removed from %s: no desktop has used it for %s", digest, cache, grace);
      }
      // Forget the times of trees that are gone (removed by hand, say).
      lastUsed.keySet().retainAll(present);
      return removed;
    }
  }

  private void checkCachePath() throws IOException {
    if (OVERLAY_UNSAFE.matcher(cache.toString()).find()) {
      throw new IOException(
          "application layers cannot be mounted from "
              + cache
              + ": overlayfs options cannot hold ':', ',', '\\' or spaces in a path; choose"
              + " another opencdi.agent.local.data-dir");
    }
  }

  /** One layer's unpacked tree: from the cache, or unpacked now (once, however many ask). */
  Path unpack(AppLayer layer) throws IOException {
    return take(layer, false).tree();
  }

  /** One layer's tree, held until {@link #release}d. */
  Held acquire(AppLayer layer) throws IOException {
    return take(layer, true);
  }

  private Held take(AppLayer layer, boolean hold) throws IOException {
    OciImages.Found found = find(layer);
    Path dir = cache.resolve(dirName(found.digest()));
    // Always under the digest's lock: a collection may be renaming the tree away right now.
    ReentrantLock lock = lockOf(found.digest());
    lock.lock();
    try {
      Path tree = unpackLocked(layer, found, dir);
      images.put(layer.image(), found.digest());
      used(found.digest(), nanoClock.getAsLong());
      if (hold) {
        holds.merge(found.digest(), 1, Integer::sum);
      }
      return new Held(found.digest(), tree);
    } finally {
      lock.unlock();
    }
  }

  private ReentrantLock lockOf(String digest) {
    return unpacking.computeIfAbsent(digest, d -> new ReentrantLock());
  }

  private Path unpackLocked(AppLayer layer, OciImages.Found found, Path dir) throws IOException {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return dir; // unpacked earlier, by this agent or another
    }
    Path tool = HostCommands.which(umoci);
    if (tool == null) {
      throw new IOException(
          describe(layer)
              + ": umoci is not installed on this host (Debian package umoci), so the layer"
              + " cannot be unpacked");
    }
    Path partial =
        cache.resolve(
            PARTIAL_PREFIX
                + dirName(found.digest())
                + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      long started = System.nanoTime();
      HostCommands.Result result =
          HostCommands.run(
              UNPACK_TIMEOUT_MILLIS,
              tool.toString(),
              "raw",
              "unpack",
              "--rootless",
              "--image",
              found.layout() + ":" + found.tag(),
              partial.toString());
      if (!result.ok()) {
        throw new IOException(
            describe(layer) + ": umoci could not unpack it: " + lastLines(result.output()));
      }
      harden(partial, HostCommands.uid() == 0);
      Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
      LOG.infof(
          "layer %s unpacked from %s into %s in %d ms",
          describe(layer), found.layout(), dir, (System.nanoTime() - started) / 1_000_000);
    } finally {
      LocalDataDir.deleteTree(partial);
    }
    return dir;
  }

  /**
   * Where the store holds a layer's image.
   *
   * @throws IOException with the reason when it is not there
   */
  OciImages.Found find(AppLayer layer) throws IOException {
    OciImages.Reference ref;
    try {
      ref = OciImages.Reference.parse(layer.image());
    } catch (IllegalArgumentException e) {
      throw new IOException(describe(layer) + ": " + e.getMessage());
    }
    Path layout = layout(ref);
    Path index = layout.resolve("index.json");
    if (!Files.isRegularFile(index) || !Files.isRegularFile(layout.resolve("oci-layout"))) {
      throw new IOException(
          describe(layer)
              + ": image "
              + ref
              + " is not in the layer store: no OCI image layout at "
              + layout
              + " (copy it there, e.g. skopeo copy docker://"
              + ref
              + " oci:"
              + layout
              + ":"
              + (ref.tag() == null ? "<tag>" : ref.tag())
              + ")");
    }
    JsonNode json;
    try {
      json = JSON.readTree(index.toFile());
    } catch (IOException e) {
      throw new IOException(describe(layer) + ": cannot read " + index + ": " + e.getMessage());
    }
    try {
      return OciImages.select(layout, json, ref);
    } catch (IllegalArgumentException e) {
      throw new IOException(describe(layer) + ": " + e.getMessage());
    }
  }

  /** The layout directory of a reference: {@code <store>/<name>}. */
  Path layout(OciImages.Reference ref) {
    Path layout = store;
    for (String element : ref.name().split("/")) {
      layout = layout.resolve(element);
    }
    return layout;
  }

  /**
   * The overlay mounts that compose a desktop's layers over {@code hostRoot} ({@code /} but in
   * tests): for each of {@link #TARGETS} that a layer has as a directory (a symbolic link there is
   * ignored: the mount would follow it on the host), the host's own directory on top, then the
   * layers, highest first. The host's files win over a layer's, so that nothing root runs while it
   * sets a desktop up comes from a layer; a higher layer wins over a lower one.
   *
   * @param layers unpacked trees, lowest first
   * @throws IOException when a layer has a directory the host lacks (it could not be shown)
   */
  static List<Overlay> overlays(List<Path> layers, Path hostRoot) throws IOException {
    List<Overlay> overlays = new ArrayList<>();
    for (String target : TARGETS) {
      List<String> lower = new ArrayList<>();
      for (Path layer : layers.reversed()) {
        Path dir = layer.resolve(target);
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          lower.add(dir.toString());
        }
      }
      if (lower.isEmpty()) {
        continue;
      }
      Path host = hostRoot.resolve(target);
      if (!Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(
            "a layer adds to /"
                + target
                + ", which this host lacks ("
                + host
                + " is no directory)");
      }
      lower.addFirst(host.toString());
      overlays.add(new Overlay("/" + target, String.join(":", lower)));
    }
    return overlays;
  }

  /**
   * A cache directory's name for a manifest digest: {@code sha256-<hex>} (no ':' for overlayfs).
   */
  static String dirName(String digest) {
    return digest.replace(':', '-');
  }

  /** The manifest digest a cache directory's name stands for: {@link #dirName}'s inverse. */
  static String digest(String dirName) {
    return dirName.replaceFirst("-", ":");
  }

  /**
   * Makes an unpacked tree the agent's and read-only to everyone else: owned by root (when {@code
   * asRoot}; umoci's rootless unpack already makes it the unpacker's), no write bit for group or
   * others, no set-user-id or set-group-id bit (the overlay is mounted nosuid too), no device, pipe
   * or socket. Symbolic links are changed, never followed.
   */
  static void harden(Path root, boolean asRoot) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            fix(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isOther()) {
              Files.delete(file);
            } else {
              fix(file);
            }
            return FileVisitResult.CONTINUE;
          }

          private void fix(Path p) throws IOException {
            if (asRoot) {
              for (String owner : List.of("unix:uid", "unix:gid")) {
                if (!Files.getAttribute(p, owner, LinkOption.NOFOLLOW_LINKS).equals(0)) {
                  Files.setAttribute(p, owner, 0, LinkOption.NOFOLLOW_LINKS);
                }
              }
            }
            if (Files.isSymbolicLink(p)) {
              return;
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            // Keep the permission bits and sticky; drop set-id bits and write for group and others.
            int wanted = mode & 01755;
            if ((mode & 07777) != wanted) {
              Files.setAttribute(p, "unix:mode", wanted, LinkOption.NOFOLLOW_LINKS);
            }
          }
        });
  }

  private static String describe(AppLayer layer) {
    return "layer " + layer.name() + " " + layer.version() + " (" + layer.image() + ")";
  }

  private static String lastLines(String output) {
    List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
    String text = String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    return text.length() <= 400 ? text : "…" + text.substring(text.length() - 400);
  }
}
