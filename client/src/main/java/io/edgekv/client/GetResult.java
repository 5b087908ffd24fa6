package io.edgekv.client;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to a read of one key. A miss is a result with {@link #found()} false, not an
 * exception: misses are the hot path.
 *
 * <p>When the key was not found, {@link #value()} returns null, {@link #version()} and {@link
 * #expiresAt()} return null, {@link #metadata()} and {@link #tags()} are empty and {@link
 * #digest()} returns null. {@link #key()}, {@link #servedBy()} and {@link #sessionToken()}
 * are always set.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class GetResult {

  private final ByteString key;
  private final KvEntry entry;
  private final ServedBy servedBy;
  private final String sessionToken;

  GetResult(ByteString key, KvEntry entry, ServedBy servedBy, String sessionToken) {
    this.key = Objects.requireNonNull(key, "key");
    this.entry = entry;
    this.servedBy = Objects.requireNonNull(servedBy, "servedBy");
    this.sessionToken = Objects.requireNonNull(sessionToken, "sessionToken");
  }

  /** Whether the key holds a live entry. */
  public boolean found() {
    return entry != null;
  }

  /** The entry, if found. */
  public Optional<KvEntry> entry() {
    return Optional.ofNullable(entry);
  }

  /** A copy of the key that was read. */
  public byte[] key() {
    return key.toByteArray();
  }

  /** The key that was read, decoded as UTF-8. */
  public String keyAsString() {
    return key.toStringUtf8();
  }

  /** A copy of the value's bytes, or null if not found. */
  public byte[] value() {
    return entry == null ? null : entry.value();
  }

  /** A read-only view of the value's bytes, or null if not found. */
  public ByteBuffer valueBuffer() {
    return entry == null ? null : entry.valueBuffer();
  }

  /** The value decoded as UTF-8 (malformed bytes become U+FFFD), or null if not found. */
  public String valueAsString() {
    return entry == null ? null : entry.valueAsString();
  }

  /** The entry's version, or null if not found. */
  public Version version() {
    return entry == null ? null : entry.version();
  }

  /** The entry's metadata; empty if not found. Unmodifiable. */
  public Map<String, String> metadata() {
    return entry == null ? Map.of() : entry.metadata();
  }

  /** The entry's tags; empty if not found. Unmodifiable. */
  public List<String> tags() {
    return entry == null ? List.of() : entry.tags();
  }

  /** When the entry expires; null if it never does or was not found. */
  public Instant expiresAt() {
    return entry == null ? null : entry.expiresAt();
  }

  /** A copy of the SHA-256 digest of the value, or null if not found. */
  public byte[] digest() {
    return entry == null ? null : entry.digest();
  }

  /** Who served the read and as of which point of the region's history. */
  public ServedBy servedBy() {
    return servedBy;
  }

  /** The session token the server returned with this read; empty if it sent none. */
  public String sessionToken() {
    return sessionToken;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GetResult other
        && key.equals(other.key)
        && Objects.equals(entry, other.entry)
        && servedBy.equals(other.servedBy)
        && sessionToken.equals(other.sessionToken);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, entry, servedBy, sessionToken);
  }

  @Override
  public String toString() {
    return "GetResult{key=" + KvEntry.printable(key) + ", found=" + found() + ", entry=" + entry
        + ", servedBy=" + servedBy + "}";
  }
}
