package io.edgekv.client;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One live entry as the server returned it: key, value, version, metadata, tags, expiry and
 * the SHA-256 digest of the value.
 *
 * <p>Instances are immutable and thread-safe: the byte-array accessors return fresh copies,
 * so prefer {@link #valueBuffer()} or {@link #valueAsString()} for large values read often.
 */
public final class KvEntry {

  private final ByteString key;
  private final ByteString value;
  private final Version version;
  private final Map<String, String> metadata;
  private final List<String> tags;
  private final Instant expiresAt;
  private final ByteString digest;

  KvEntry(
      ByteString key,
      ByteString value,
      Version version,
      Map<String, String> metadata,
      List<String> tags,
      Instant expiresAt,
      ByteString digest) {
    this.key = Objects.requireNonNull(key, "key");
    this.value = Objects.requireNonNull(value, "value");
    this.version = version;
    this.metadata = Map.copyOf(metadata);
    this.tags = List.copyOf(tags);
    this.expiresAt = expiresAt;
    this.digest = Objects.requireNonNull(digest, "digest");
  }

  /** A copy of the key's bytes. */
  public byte[] key() {
    return key.toByteArray();
  }

  /** The key decoded as UTF-8 (malformed bytes become U+FFFD). */
  public String keyAsString() {
    return key.toStringUtf8();
  }

  /** Whether the key is well-formed UTF-8. */
  public boolean isKeyUtf8() {
    return key.isValidUtf8();
  }

  /** A copy of the value's bytes; empty for a keys-only scan. */
  public byte[] value() {
    return value.toByteArray();
  }

  /** A read-only view of the value's bytes, without copying. */
  public ByteBuffer valueBuffer() {
    return value.asReadOnlyByteBuffer();
  }

  /** The value decoded as UTF-8 (malformed bytes become U+FFFD). */
  public String valueAsString() {
    return value.toStringUtf8();
  }

  /** Whether the value is well-formed UTF-8. */
  public boolean isValueUtf8() {
    return value.isValidUtf8();
  }

  /** The value's size in bytes. */
  public int valueSize() {
    return value.size();
  }

  /** The entry's version, or null if the server sent none. */
  public Version version() {
    return version;
  }

  /** The entry's metadata; unmodifiable. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The entry's tags; unmodifiable. */
  public List<String> tags() {
    return tags;
  }

  /** When the entry expires, or null if it never does. */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** A copy of the SHA-256 digest of the value the server holds; empty if it sent none. */
  public byte[] digest() {
    return digest.toByteArray();
  }

  /** The digest as lower-case hex; empty if the server sent none. */
  public String digestHex() {
    return HexFormat.of().formatHex(digest.toByteArray());
  }

  /**
   * Whether the value received hashes to the digest the server sent, i.e. it was not
   * corrupted in transit or in storage. False for a keys-only scan entry (which has no value)
   * or when the server sent no digest.
   */
  public boolean digestMatches() {
    if (digest.isEmpty()) {
      return false;
    }
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(value.asReadOnlyByteBuffer());
      return MessageDigest.isEqual(sha256.digest(), digest.toByteArray());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvEntry other
        && key.equals(other.key)
        && value.equals(other.value)
        && Objects.equals(version, other.version)
        && metadata.equals(other.metadata)
        && tags.equals(other.tags)
        && Objects.equals(expiresAt, other.expiresAt)
        && digest.equals(other.digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, value, version, metadata, tags, expiresAt, digest);
  }

  @Override
  public String toString() {
    return "KvEntry{key=" + printable(key) + ", valueSize=" + value.size() + ", version=" + version
        + ", metadata=" + metadata + ", tags=" + tags + ", expiresAt=" + expiresAt + "}";
  }

  static String printable(ByteString bytes) {
    return bytes.isValidUtf8()
        ? "'" + bytes.toStringUtf8() + "'"
        : "0x" + HexFormat.of().formatHex(bytes.toByteArray());
  }

  static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
