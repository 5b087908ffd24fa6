package io.edgekv.invalidation.watch;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * A point in one region's history: per shard, the applied Raft index up to which a subscriber
 * has seen every matching change. Every change a region applies, local or remote, goes through
 * its Raft log, so the same position names the same point on every replica of the region (and
 * means nothing in another region).
 *
 * <p>Encoded as an opaque token: {@code base64url(format(1) regionLength(1) region
 * shards(2) index(8)... crc32c(4))}, so that a damaged or foreign token is refused, and a later
 * release can read this format.
 */
public record WatchPosition(String region, long[] indexes) {
  static final byte FORMAT = 1;

  public WatchPosition {
    indexes = indexes.clone();
  }

  /** This replica's applied index per shard. */
  public static WatchPosition current(ChangelogSource changelog) {
    long[] indexes = new long[changelog.shards()];
    for (int shard = 0; shard < indexes.length; shard++) {
      indexes[shard] = changelog.appliedIndex(shard);
    }
    return new WatchPosition(changelog.region(), indexes);
  }

  public int shards() {
    return indexes.length;
  }

  public long index(int shard) {
    return indexes[shard];
  }

  /** The same position with one shard moved to {@code index}. */
  public WatchPosition with(int shard, long index) {
    long[] copy = indexes.clone();
    copy[shard] = index;
    return new WatchPosition(region, copy);
  }

  public String encode() {
    byte[] name = region.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(1 + 1 + name.length + 2 + 8 * indexes.length + 4);
    buf.put(FORMAT).put((byte) name.length).put(name).putShort((short) indexes.length);
    for (long index : indexes) {
      buf.putLong(index);
    }
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
  }

  /**
   * Decodes a token from {@link #encode()}.
   *
   * @throws InvalidPositionException if the token is malformed, damaged or of an unknown format
   */
  public static WatchPosition decode(String token) {
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(token);
      if (bytes.length < 8) {
        throw invalid("too short");
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes, 0, bytes.length - 4);
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      if (buf.getInt(bytes.length - 4) != (int) crc.getValue()) {
        throw invalid("checksum mismatch");
      }
      byte format = buf.get();
      if (format != FORMAT) {
        throw invalid("unknown format " + format);
      }
      byte[] name = new byte[buf.get() & 0xff];
      buf.get(name);
      int shards = buf.getShort() & 0xffff;
      if (buf.remaining() != 8L * shards + 4) {
        throw invalid("wrong length");
      }
      long[] indexes = new long[shards];
      for (int i = 0; i < shards; i++) {
        indexes[i] = buf.getLong();
      }
      return new WatchPosition(new String(name, StandardCharsets.UTF_8), indexes);
    } catch (IllegalArgumentException | BufferUnderflowException e) {
      throw invalid("not a position token");
    }
  }

  private static InvalidPositionException invalid(String why) {
    return new InvalidPositionException("resume_position is not a position from a Watch event (" + why + ")");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WatchPosition p && p.region.equals(region) && Arrays.equals(p.indexes, indexes);
  }

  @Override
  public int hashCode() {
    return region.hashCode() * 31 + Arrays.hashCode(indexes);
  }

  @Override
  public String toString() {
    return region + Arrays.toString(indexes);
  }
}
