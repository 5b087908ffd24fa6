package io.edgekv.node.api;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * What a client has seen, as an opaque, checksummed token: the region and, per shard, the
 * applied Raft index of the latest write or read it observed. Layout (format 1):
 * {@code format(1) regionLength(1) region shardCount(1) index(8)* crc32c(4)}, base64url.
 */
public record SessionToken(String region, long[] appliedIndexes) {
  private static final byte FORMAT = 1;

  public static SessionToken empty(String region, int shards) {
    return new SessionToken(region, new long[shards]);
  }

  /** This token with shard {@code shard} advanced to at least {@code index}. */
  public SessionToken advance(int shard, long index) {
    long[] next = Arrays.copyOf(appliedIndexes, appliedIndexes.length);
    next[shard] = Math.max(next[shard], index);
    return new SessionToken(region, next);
  }

  /** Merges two tokens of the same region (taking the maximum per shard). */
  public SessionToken merge(SessionToken other) {
    if (!other.region.equals(region) || other.appliedIndexes.length != appliedIndexes.length) {
      return this;
    }
    long[] next = Arrays.copyOf(appliedIndexes, appliedIndexes.length);
    for (int i = 0; i < next.length; i++) {
      next[i] = Math.max(next[i], other.appliedIndexes[i]);
    }
    return new SessionToken(region, next);
  }

  public String encode() {
    byte[] r = region.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(FORMAT);
    out.write(r.length);
    out.writeBytes(r);
    out.write(appliedIndexes.length);
    ByteBuffer indexes = ByteBuffer.allocate(8 * appliedIndexes.length);
    for (long index : appliedIndexes) {
      indexes.putLong(index);
    }
    out.writeBytes(indexes.array());
    CRC32C crc = new CRC32C();
    crc.update(out.toByteArray());
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /** Decodes a token; a damaged or foreign one is rejected naming the field. */
  public static SessionToken decode(String token) {
    try {
      ByteBuffer in = ByteBuffer.wrap(Base64.getUrlDecoder().decode(token));
      byte[] all = in.array();
      CRC32C crc = new CRC32C();
      crc.update(all, 0, all.length - 4);
      if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).getInt()) {
        throw malformed();
      }
      if (in.get() != FORMAT) {
        throw malformed();
      }
      byte[] r = new byte[in.get() & 0xff];
      in.get(r);
      long[] indexes = new long[in.get() & 0xff];
      for (int i = 0; i < indexes.length; i++) {
        indexes[i] = in.getLong();
      }
      return new SessionToken(new String(r, StandardCharsets.UTF_8), indexes);
    } catch (RuntimeException e) {
      if (e instanceof InvalidInputException invalid) {
        throw invalid;
      }
      throw malformed();
    }
  }

  private static InvalidInputException malformed() {
    return new InvalidInputException("session_token", "",
        "session_token is malformed; pass back a token EdgeKV returned, unchanged");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionToken t && t.region.equals(region) && Arrays.equals(t.appliedIndexes, appliedIndexes);
  }

  @Override
  public int hashCode() {
    return region.hashCode() * 31 + Arrays.hashCode(appliedIndexes);
  }
}
