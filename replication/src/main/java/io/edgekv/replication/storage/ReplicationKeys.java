package io.edgekv.replication.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.rocksdb.WriteBatch;

/**
 * Every key layout of a shard's engine ({@link KvEngine}), encoded and decoded in one place.
 * Entries themselves are keyed by {@link EntryKey} ({@code namespace 0x00 key}); the layouts
 * below build on it. Integers are big-endian, so byte order is numeric order.
 */
public final class ReplicationKeys {
  private static final byte[] VV_PREFIX = "vv/".getBytes(StandardCharsets.UTF_8);
  private static final byte PURGE_PREFIX = 'P';
  private static final byte PURGE_TAG = 'T';

  private ReplicationKeys() {}

  // ---- replog: originLength(1) origin seq(8) ----

  /** {@code originLength(1) origin seq(8)}: one origin's entries are contiguous and in order. */
  public static byte[] logKey(String origin, long seq) {
    byte[] o = origin.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + o.length + 8).put((byte) o.length).put(o).putLong(seq).array();
  }

  // ---- changelog: index(8) ordinal(4) ----

  public static byte[] changelogKey(long index, int ordinal) {
    return ByteBuffer.allocate(12).putLong(index).putInt(ordinal).array();
  }

  public static long changelogIndex(byte[] key) {
    return ByteBuffer.wrap(key).getLong();
  }

  // ---- expiry_index and tombstone_index: millis(8) entryKey ----

  /** {@code millis(8) entryKey}: entries ordered by a time (expiry deadline, tombstone time). */
  public static byte[] timeKey(long millis, EntryKey key) {
    byte[] entryKey = key.toBytes();
    return ByteBuffer.allocate(8 + entryKey.length).putLong(millis).put(entryKey).array();
  }

  public static long timeKeyMillis(byte[] timeKey) {
    return ByteBuffer.wrap(timeKey).getLong();
  }

  public static EntryKey timeKeyEntry(byte[] timeKey) {
    return EntryKey.fromBytes(Arrays.copyOfRange(timeKey, 8, timeKey.length));
  }

  // ---- tag_index: namespace 0 tag 0 key ----

  public static byte[] tagKey(EntryKey key, String tag) {
    byte[] ns = key.namespace().getBytes(StandardCharsets.UTF_8);
    byte[] t = tag.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(ns.length + 1 + t.length + 1 + key.key().length)
        .put(ns).put((byte) 0).put(t).put((byte) 0).put(key.key()).array();
  }

  /** The common prefix of every {@link #tagKey} of a tag in a namespace. */
  public static byte[] tagPrefix(String namespace, String tag) {
    return tagKey(new EntryKey(namespace, new byte[0]), tag);
  }

  // ---- requests_by_time: appliedAtMillis(8) requestId ----

  public static byte[] requestTimeKey(long millis, byte[] requestId) {
    return ByteBuffer.allocate(8 + requestId.length).putLong(millis).put(requestId).array();
  }

  public static long requestTimeMillis(byte[] key) {
    return ByteBuffer.wrap(key).getLong();
  }

  public static byte[] requestTimeId(byte[] key) {
    return Arrays.copyOfRange(key, 8, key.length);
  }

  // ---- purges: namespace 0 type selector ----

  /** The purge record of a prefix in a namespace. */
  public static byte[] prefixPurgeKey(String namespace, byte[] prefix) {
    return purgeKey(namespace, PURGE_PREFIX, prefix);
  }

  /** The purge record of a tag in a namespace. */
  public static byte[] tagPurgeKey(String namespace, String tag) {
    return purgeKey(namespace, PURGE_TAG, tag.getBytes(StandardCharsets.UTF_8));
  }

  /** The prefix a key of a prefix purge record has after {@link #prefixPurgeKey}{@code (namespace, "")}. */
  public static byte[] purgedPrefix(String namespace, byte[] prefixPurgeKey) {
    int start = prefixPurgeKey(namespace, new byte[0]).length;
    return Arrays.copyOfRange(prefixPurgeKey, start, prefixPurgeKey.length);
  }

  private static byte[] purgeKey(String namespace, byte type, byte[] selector) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(ns.length + 2 + selector.length).put(ns).put((byte) 0).put(type).put(selector).array();
  }

  // ---- repl_meta: "vv/" origin -> seq(8) ----

  private static byte[] vvKey(String origin) {
    byte[] o = origin.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(VV_PREFIX.length + o.length).put(VV_PREFIX).put(o).array();
  }

  public static long readSeq(KvEngine engine, String origin) {
    byte[] value = engine.replMeta.get(vvKey(origin));
    return value == null ? 0 : ByteBuffer.wrap(value).getLong();
  }

  public static void writeSeq(KvEngine engine, WriteBatch batch, String origin, long seq) {
    engine.replMeta.put(batch, vvKey(origin), ByteBuffer.allocate(8).putLong(seq).array());
  }

  /**
   * The shard's version vector as stored: origin region to the highest contiguous sequence
   * applied. A scan; the replica keeps it in memory and serves it from there
   * ({@code ShardReads#versionVector}).
   */
  public static Map<String, Long> versionVector(KvEngine engine) {
    Map<String, Long> out = new HashMap<>();
    engine.replMeta.forEachFrom(VV_PREFIX, (key, value) -> {
      if (!startsWith(key, VV_PREFIX)) {
        return false;
      }
      out.put(new String(key, VV_PREFIX.length, key.length - VV_PREFIX.length, StandardCharsets.UTF_8),
          ByteBuffer.wrap(value).getLong());
      return true;
    });
    return out;
  }

  public static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }
}
