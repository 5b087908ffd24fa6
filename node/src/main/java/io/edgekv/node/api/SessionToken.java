package io.edgekv.node.api;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.Base64;

/**
 * What a client has seen, as an opaque, checksummed token: the region it was issued in, the
 * applied Raft index per shard there, and per shard the version vector (origin region to
 * sequence) of what it has seen, so that read-your-writes also holds in another region.
 *
 * <p>Layout, format 2: {@code format(1) regionLength(1) region shardCount(1) index(8)*} then per
 * shard {@code origins(1) (originLength(1) origin seq(8))*}, then {@code crc32c(4)}; base64url.
 * Format 1 (without the vectors) is still read.
 */
public record SessionToken(String region, long[] appliedIndexes, List<Map<String, Long>> vectors) {
  private static final byte FORMAT = 2;

  public SessionToken {
    if (vectors == null || vectors.size() != appliedIndexes.length) {
      List<Map<String, Long>> empty = new ArrayList<>();
      for (int i = 0; i < appliedIndexes.length; i++) {
        empty.add(Map.of());
      }
      vectors = empty;
    }
  }

  public SessionToken(String region, long[] appliedIndexes) {
    this(region, appliedIndexes, null);
  }

  public static SessionToken empty(String region, int shards) {
    return new SessionToken(region, new long[shards]);
  }

  /** This token with shard {@code shard} advanced to at least {@code index}. */
  public SessionToken advance(int shard, long index) {
    long[] next = Arrays.copyOf(appliedIndexes, appliedIndexes.length);
    next[shard] = Math.max(next[shard], index);
    return new SessionToken(region, next, vectors);
  }

  /** This token with shard {@code shard}'s vector raised to at least {@code vector}, origin by origin. */
  public SessionToken seen(int shard, Map<String, Long> vector) {
    List<Map<String, Long>> next = new ArrayList<>(vectors);
    Map<String, Long> merged = new HashMap<>(vectors.get(shard));
    vector.forEach((origin, seq) -> merged.merge(origin, seq, Math::max));
    next.set(shard, Map.copyOf(merged));
    return new SessionToken(region, appliedIndexes, next);
  }

  /** The same session as seen from another region: its indexes mean nothing there, its vectors do. */
  public SessionToken movedTo(String otherRegion) {
    return new SessionToken(otherRegion, new long[appliedIndexes.length], vectors);
  }

  public String encode() {
    byte[] r = region.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(FORMAT);
    out.write(r.length);
    out.writeBytes(r);
    out.write(appliedIndexes.length);
    for (long index : appliedIndexes) {
      out.writeBytes(ByteBuffer.allocate(8).putLong(index).array());
    }
    for (Map<String, Long> vector : vectors) {
      out.write(vector.size());
      for (Map.Entry<String, Long> e : new TreeMap<>(vector).entrySet()) {
        byte[] origin = e.getKey().getBytes(StandardCharsets.UTF_8);
        out.write(origin.length);
        out.writeBytes(origin);
        out.writeBytes(ByteBuffer.allocate(8).putLong(e.getValue()).array());
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(out.toByteArray());
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /** Decodes a token (format 1 or 2); a damaged or foreign one is rejected naming the field. */
  public static SessionToken decode(String token) {
    try {
      byte[] all = Base64.getUrlDecoder().decode(token);
      CRC32C crc = new CRC32C();
      crc.update(all, 0, all.length - 4);
      if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).getInt()) {
        throw malformed();
      }
      ByteBuffer in = ByteBuffer.wrap(all, 0, all.length - 4);
      byte format = in.get();
      if (format != 1 && format != FORMAT) {
        throw malformed();
      }
      byte[] r = new byte[in.get() & 0xff];
      in.get(r);
      long[] indexes = new long[in.get() & 0xff];
      for (int i = 0; i < indexes.length; i++) {
        indexes[i] = in.getLong();
      }
      List<Map<String, Long>> vectors = new ArrayList<>();
      for (int shard = 0; shard < indexes.length; shard++) {
        Map<String, Long> vector = new HashMap<>();
        int origins = format == 1 ? 0 : in.get() & 0xff;
        for (int o = 0; o < origins; o++) {
          byte[] origin = new byte[in.get() & 0xff];
          in.get(origin);
          vector.put(new String(origin, StandardCharsets.UTF_8), in.getLong());
        }
        vectors.add(Map.copyOf(vector));
      }
      if (in.hasRemaining()) {
        throw malformed();
      }
      return new SessionToken(new String(r, StandardCharsets.UTF_8), indexes, vectors);
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
    return o instanceof SessionToken t && t.region.equals(region) && Arrays.equals(t.appliedIndexes, appliedIndexes)
        && t.vectors.equals(vectors);
  }

  @Override
  public int hashCode() {
    return region.hashCode() * 31 + Arrays.hashCode(appliedIndexes);
  }
}
