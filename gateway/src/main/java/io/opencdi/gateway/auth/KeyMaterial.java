package io.opencdi.gateway.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * Signing keys of the built-in user store. They are generated on first start into the data
 * directory (never committed) so that tokens survive a restart and several gateways sharing a data
 * directory trust each other's tokens. Production takes tokens from an OIDC provider instead.
 */
public final class KeyMaterial {
  private static final String PRIVATE = "jwt-signing-key.pem";
  private static final String PUBLIC = "jwt-public-key.pem";

  private KeyMaterial() {}

  /**
   * Makes sure a key pair exists in {@code dir} and returns the configuration that points the JWT
   * signer and verifier at it.
   */
  public static Map<String, String> ensure(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        try {
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
          // Not a POSIX file system.
        }
      }
      Path priv = dir.resolve(PRIVATE);
      Path pub = dir.resolve(PUBLIC);
      if (!Files.exists(priv) || !Files.exists(pub)) {
        KeyPair pair = generate();
        write(priv, "PRIVATE KEY", pair.getPrivate().getEncoded());
        write(pub, "PUBLIC KEY", pair.getPublic().getEncoded());
      }
      return Map.of(
          "smallrye.jwt.sign.key.location", priv.toUri().toString(),
          "mp.jwt.verify.publickey.location", pub.toUri().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare signing keys in " + dir, e);
    }
  }

  private static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("RSA is not available", e);
    }
  }

  private static void write(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    String pem = "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    Files.deleteIfExists(file);
    try {
      // Created private: there is no moment at which another user could open it.
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the directory's own permissions protect the key.
    }
    Files.writeString(file, pem);
  }
}
