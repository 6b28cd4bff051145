package io.opencdi.placement.scheduler;

/**
 * A hash of owner and cluster id that is the same on every JVM and replica ({@link String#hashCode}
 * is too, but ids that differ in their last character get neighbouring hashes, so every owner would
 * prefer the same cluster among equals).
 */
final class TieBreak {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private TieBreak() {}

  /** FNV-1a over both strings, finished with MurmurHash3's fmix64 to spread every input bit. */
  static long hash(String owner, String clusterId) {
    long h = FNV_OFFSET;
    h = mix(h, owner);
    h = (h ^ 0xff) * FNV_PRIME;
    h = mix(h, clusterId);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  private static long mix(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * FNV_PRIME;
    }
    return h;
  }
}
