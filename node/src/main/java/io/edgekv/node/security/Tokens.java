package io.edgekv.node.security;

import io.edgekv.security.v1.TokenClaims;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies client tokens against the public keys a node holds (several at once, so a signing key
 * is rotated by adding the new public key, re-issuing tokens, then removing the old one). The key
 * files are read again when they change. Verification never says why a token failed beyond a
 * short reason: callers answer {@code UNAUTHENTICATED} without echoing the token.
 */
public final class Tokens {
  static final String PREFIX = "ekv1.";
  static final int FORMAT = 1;
  static final byte[] SIGNATURE_CONTEXT = "edgekv-token-v1\0".getBytes(StandardCharsets.US_ASCII);
  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  /** Longer than any token this code signs (a few hundred bytes); longer input is not parsed. */
  public static final int MAX_TOKEN_CHARS = 8192;

  private final ReloadingFiles<Map<String, PublicKey>> keys;
  private final Clock clock;

  /** Why a token was refused. */
  public static final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }

  public Tokens(List<Path> publicKeyFiles, Clock clock) throws IOException {
    this.keys = new ReloadingFiles<>(publicKeyFiles, () -> load(publicKeyFiles), System::nanoTime);
    this.clock = clock;
  }

  private static Map<String, PublicKey> load(List<Path> files) throws IOException {
    Map<String, PublicKey> out = new HashMap<>();
    for (Path file : files) {
      for (PublicKey key : Pem.publicKeys(file, "Ed25519")) {
        out.put(SigningKey.keyId(key), key);
      }
    }
    return Map.copyOf(out);
  }

  /** The key ids this node accepts now. */
  public Set<String> keyIds() {
    return keys.get().keySet();
  }

  private static void checkSignature(byte[] body, byte[] signature, PublicKey key) throws InvalidTokenException {
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(SIGNATURE_CONTEXT);
      verifier.update(body);
      if (!verifier.verify(signature)) {
        throw new InvalidTokenException("bad signature");
      }
    } catch (GeneralSecurityException e) {
      throw new InvalidTokenException("bad signature");
    }
  }

  /** Checks only the signature of a well-formed token under {@code key} (a node's start-up self-test). */
  static void verifySignature(String token, PublicKey key) throws InvalidTokenException {
    int dot = token.indexOf('.', PREFIX.length());
    checkSignature(Base64.getUrlDecoder().decode(token.substring(PREFIX.length(), dot)),
        Base64.getUrlDecoder().decode(token.substring(dot + 1)), key);
  }

  /**
   * The bytes of unpadded base64url {@code text}, refusing any other spelling of them: the last
   * character of unpadded base64 has unused bits a lenient decoder ignores, so without this a
   * token with its last character changed would still verify.
   */
  private static byte[] canonical(String text) {
    byte[] bytes = Base64.getUrlDecoder().decode(text);
    if (!B64.encodeToString(bytes).equals(text)) {
      throw new IllegalArgumentException("not canonical base64url");
    }
    return bytes;
  }

  /** The token's grant, or why it is not valid (malformed, unknown key, bad signature, expired). */
  public AccessToken verify(String token) throws InvalidTokenException {
    if (token == null || token.isEmpty()) {
      throw new InvalidTokenException("no token");
    }
    if (token.length() > MAX_TOKEN_CHARS || !token.startsWith(PREFIX)) {
      throw new InvalidTokenException("not an EdgeKV token");
    }
    int dot = token.indexOf('.', PREFIX.length());
    if (dot < 0 || token.indexOf('.', dot + 1) >= 0) {
      throw new InvalidTokenException("malformed token");
    }
    byte[] body;
    byte[] signature;
    try {
      body = canonical(token.substring(PREFIX.length(), dot));
      signature = canonical(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("malformed token");
    }
    TokenClaims claims;
    try {
      claims = TokenClaims.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidTokenException("malformed token");
    }
    if (claims.getFormat() != FORMAT) {
      throw new InvalidTokenException("unknown token format " + claims.getFormat());
    }
    PublicKey key = keys.get().get(claims.getKeyId());
    if (key == null) {
      throw new InvalidTokenException("signed by a key this node does not know");
    }
    checkSignature(body, signature, key);
    Instant expires = Instant.ofEpochSecond(claims.getExpiresAtSeconds());
    if (!clock.instant().isBefore(expires)) {
      throw new InvalidTokenException("expired at " + expires);
    }
    Set<Right> rights = EnumSet.noneOf(Right.class);
    for (String r : claims.getRightsList()) {
      try {
        rights.add(Right.parse(r));
      } catch (IllegalArgumentException e) {
        // a right this release does not know grants nothing here
      }
    }
    return new AccessToken(HexFormat.of().formatHex(claims.getTokenId().toByteArray()), claims.getKeyId(),
        claims.getSubject(), new ArrayList<>(claims.getNamespacesList()), rights, expires);
  }
}
