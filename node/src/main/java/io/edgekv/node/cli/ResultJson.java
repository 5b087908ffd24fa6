package io.edgekv.node.cli;

import io.edgekv.client.DeleteResult;
import io.edgekv.client.GetResult;
import io.edgekv.client.KvEntry;
import io.edgekv.client.PutResult;
import io.edgekv.client.ServedBy;
import io.edgekv.client.TouchResult;
import io.edgekv.client.TxnResult;
import io.edgekv.client.Version;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON shape of each result the CLI prints (DESIGN section 13): built from the client's
 * typed results, every field present (null when it has no value), camelCase names, bytes as
 * UTF-8 text under {@code key}/{@code value} or, when not valid UTF-8, as base64 under {@code
 * keyBase64}/{@code valueBase64}. Field order is fixed so that output diffs cleanly.
 */
final class ResultJson {

  private ResultJson() {}

  static Map<String, Object> get(GetResult r) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("found", r.found());
    putBytes(json, "key", r.key());
    putBytes(json, "value", r.value());
    json.put("version", text(r.version()));
    served(json, r.servedBy(), r.sessionToken(), true);
    json.put("metadata", r.metadata());
    json.put("tags", r.tags());
    json.put("expiresAt", r.expiresAt() == null ? null : r.expiresAt().toString());
    json.put("digest", r.digest() == null ? null : HexFormat.of().formatHex(r.digest()));
    return json;
  }

  static Map<String, Object> entry(KvEntry e, ServedBy servedBy, String sessionToken, boolean keysOnly) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("found", true);
    putBytes(json, "key", e.key());
    putBytes(json, "value", keysOnly ? null : e.value());
    json.put("version", text(e.version()));
    served(json, servedBy, sessionToken, true);
    json.put("metadata", e.metadata());
    json.put("tags", e.tags());
    json.put("expiresAt", e.expiresAt() == null ? null : e.expiresAt().toString());
    json.put("digest", e.digestHex().isEmpty() ? null : e.digestHex());
    return json;
  }

  static Map<String, Object> put(byte[] key, byte[] value, PutResult r) {
    Map<String, Object> json = new LinkedHashMap<>();
    putBytes(json, "key", key);
    putBytes(json, "value", value);
    json.put("version", text(r.version()));
    served(json, r.servedBy(), r.sessionToken(), false);
    return json;
  }

  static Map<String, Object> delete(byte[] key, DeleteResult r) {
    Map<String, Object> json = new LinkedHashMap<>();
    putBytes(json, "key", key);
    json.put("existed", r.existed());
    json.put("version", text(r.version()));
    served(json, r.servedBy(), r.sessionToken(), false);
    return json;
  }

  static Map<String, Object> touch(byte[] key, TouchResult r) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("found", r.found());
    putBytes(json, "key", key);
    json.put("version", text(r.version()));
    json.put("expiresAt", r.expiresAt() == null ? null : r.expiresAt().toString());
    served(json, r.servedBy(), r.sessionToken(), false);
    return json;
  }

  static Map<String, Object> txn(TxnResult r) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", text(r.version()));
    served(json, r.servedBy(), r.sessionToken(), false);
    return json;
  }

  /** Bytes as text: the UTF-8 string, or {@code base64:<...>} when they are not UTF-8. */
  static String printable(byte[] bytes) {
    return isUtf8(bytes)
        ? new String(bytes, StandardCharsets.UTF_8)
        : "base64:" + Base64.getEncoder().encodeToString(bytes);
  }

  static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static void served(Map<String, Object> json, ServedBy s, String sessionToken, boolean read) {
    json.put("sessionToken", sessionToken.isEmpty() ? null : sessionToken);
    json.put("node", s.node());
    json.put("region", s.region());
    if (read) {
      json.put("consistency", s.consistency().name().toLowerCase(Locale.ROOT));
      json.put("asOf", s.appliedIndex());
      json.put("asOfHlc", Long.toUnsignedString(s.asOfHlc()));
    }
  }

  /** Puts {@code bytes} under {@code name} as UTF-8 text, or under {@code <name>Base64} when not UTF-8. */
  static void putBytes(Map<String, Object> json, String name, byte[] bytes) {
    if (bytes == null) {
      json.put(name, null);
    } else if (isUtf8(bytes)) {
      json.put(name, new String(bytes, StandardCharsets.UTF_8));
    } else {
      json.put(name + "Base64", Base64.getEncoder().encodeToString(bytes));
    }
  }

  private static String text(Version v) {
    return v == null ? null : v.toString();
  }
}
