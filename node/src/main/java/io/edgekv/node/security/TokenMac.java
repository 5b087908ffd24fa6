package io.edgekv.node.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes the opaque tokens a node hands to clients (session tokens, scan continuations, Watch
 * positions) tamper-evident: {@code m1.<mac>.<token>}, where the MAC is HMAC-SHA256 (first 16
 * bytes, base64url) over the field name and the token under a fleet-wide key, so a token issued by
 * any node verifies on every node and a changed or forged one is refused at once.
 */
public final class TokenMac {
  static final String PREFIX = "m1.";
  private static final int MAC_BYTES = 16;
  private static final int MAC_CHARS = 22;

  private final List<SecretKeySpec> keys;

  /** @param keys fleet-wide keys; the first signs, all verify (rotation) */
  public TokenMac(List<byte[]> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a MAC key is needed");
    }
    this.keys = keys.stream().map(k -> new SecretKeySpec(k, "HmacSHA256")).toList();
  }

  /** {@code token} of {@code field} with its MAC. */
  public String sign(String field, String token) {
    return PREFIX + mac(keys.get(0), field, token) + "." + token;
  }

  /** The token inside {@code signed} if its MAC verifies under any key, else empty. */
  public Optional<String> verify(String field, String signed) {
    if (signed.length() < PREFIX.length() + MAC_CHARS + 1 || !signed.startsWith(PREFIX)
        || signed.charAt(PREFIX.length() + MAC_CHARS) != '.') {
      return Optional.empty();
    }
    byte[] given = signed.substring(PREFIX.length(), PREFIX.length() + MAC_CHARS).getBytes(StandardCharsets.US_ASCII);
    String token = signed.substring(PREFIX.length() + MAC_CHARS + 1);
    for (SecretKeySpec key : keys) {
      if (MessageDigest.isEqual(given, mac(key, field, token).getBytes(StandardCharsets.US_ASCII))) {
        return Optional.of(token);
      }
    }
    return Optional.empty();
  }

  private static String mac(SecretKeySpec key, String field, String token) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(field.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      byte[] out = mac.doFinal(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(out, MAC_BYTES));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
