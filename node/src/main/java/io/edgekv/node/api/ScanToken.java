package io.edgekv.node.api;

import java.util.Arrays;
import java.util.Base64;

/**
 * The continuation token of a scan page: format byte 1, then the last key returned. Opaque to
 * clients; a token that does not decode is rejected as {@code INVALID_ARGUMENT}.
 */
public final class ScanToken {
  private static final byte FORMAT = 1;

  private ScanToken() {}

  public static String encode(byte[] lastKey) {
    byte[] bytes = new byte[lastKey.length + 1];
    bytes[0] = FORMAT;
    System.arraycopy(lastKey, 0, bytes, 1, lastKey.length);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The key after which the next page starts, or null for the first page. */
  public static byte[] decode(String token, byte[] prefix) {
    if (token.isEmpty()) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw malformed();
    }
    if (bytes.length < 2 || bytes[0] != FORMAT) {
      throw malformed();
    }
    byte[] lastKey = Arrays.copyOfRange(bytes, 1, bytes.length);
    if (lastKey.length < prefix.length || !Arrays.equals(lastKey, 0, prefix.length, prefix, 0, prefix.length)) {
      throw new InvalidInputException("continuation_token", "",
          "continuation_token belongs to a scan of another prefix");
    }
    return lastKey;
  }

  private static InvalidInputException malformed() {
    return new InvalidInputException("continuation_token", "",
        "continuation_token is malformed; pass back the token of the previous page unchanged");
  }
}
