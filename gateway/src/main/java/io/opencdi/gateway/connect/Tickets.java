package io.opencdi.gateway.connect;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Display tickets and tunnel ids: 256 random bits, URL-safe. Tickets are stored as SHA-256; a fast
 * hash suffices because a ticket has full entropy (no dictionary to try).
 */
public final class Tickets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PREFIX = "dt_";

  /** "dt_" and 43 base64url characters (32 bytes without padding). */
  private static final Pattern FORMAT = Pattern.compile("dt_[A-Za-z0-9_-]{43}");

  private Tickets() {}

  /** A new ticket. */
  public static String generate() {
    return PREFIX + random();
  }

  /** A new tunnel id (same strength; never stored, lives seconds in one replica's memory). */
  public static String tunnelId() {
    return random();
  }

  /** Whether {@code ticket} has a ticket's shape; anything else is refused without a lookup. */
  public static boolean wellFormed(String ticket) {
    return ticket != null && FORMAT.matcher(ticket).matches();
  }

  /** The stored form of a ticket. */
  public static String hash(String ticket) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(ticket.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
