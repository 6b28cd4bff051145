package io.opencdi.loadtest.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * The run's identity provider: a key pair generated per run, whose public half the gateways trust,
 * and bearer tokens signed with it. The gateways accept such tokens exactly as they accept those of
 * an OIDC provider in production; the load users need no password and no login round trip.
 */
public final class Tokens {
  /** The issuer the gateways expect (their default {@code opencdi.auth.issuer}). */
  public static final String ISSUER = "https://opencdi.local/built-in";

  private final KeyPair keys;
  private final Path publicKey;
  private final Path privateKey;

  private Tokens(KeyPair keys, Path publicKey, Path privateKey) {
    this.keys = keys;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /** Generates a key pair and writes it as PEM files into {@code dir}, readable by owner only. */
  public static Tokens generate(Path dir) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      Files.createDirectories(dir);
      Path pub = dir.resolve("jwt-public-key.pem");
      Path priv = dir.resolve("jwt-signing-key.pem");
      pem(pub, "PUBLIC KEY", pair.getPublic().getEncoded());
      pem(priv, "PRIVATE KEY", pair.getPrivate().getEncoded());
      return new Tokens(pair, pub, priv);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path publicKey() {
    return publicKey;
  }

  public Path privateKey() {
    return privateKey;
  }

  /** A token for {@code userId} with {@code role} ("admin" or "user"), valid for 12 hours. */
  public String issue(UUID userId, String username, String role) {
    JwtClaims claims = new JwtClaims();
    claims.setIssuer(ISSUER);
    claims.setSubject(userId.toString());
    claims.setClaim("upn", username);
    claims.setClaim("uid", userId.toString());
    claims.setStringListClaim("groups", List.of(role));
    claims.setIssuedAtToNow();
    claims.setExpirationTimeMinutesInTheFuture(12 * 60);
    claims.setGeneratedJwtId();
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setKey(keys.getPrivate());
    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
    jws.setHeader("typ", "JWT");
    try {
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
  }

  private static void pem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    Files.writeString(
        file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }
}
