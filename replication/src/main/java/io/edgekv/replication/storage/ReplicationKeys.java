package io.edgekv.replication.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.rocksdb.WriteBatch;
import java.util.Arrays;

/** Key layouts of the replication log, the version vector and the changelog. */
public final class ReplicationKeys {
  private static final byte[] VV_PREFIX = "vv/".getBytes(StandardCharsets.UTF_8);

  private ReplicationKeys() {}

  /** {@code originLength(1) origin seq(8)}: one origin's entries are contiguous and in order. */
  public static byte[] logKey(String origin, long seq) {
    byte[] o = origin.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + o.length + 8).put((byte) o.length).put(o).putLong(seq).array();
  }

  public static byte[] changelogKey(long index, int ordinal) {
    return ByteBuffer.allocate(12).putLong(index).putInt(ordinal).array();
  }

  public static long changelogIndex(byte[] key) {
    return ByteBuffer.wrap(key).getLong();
  }

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

  /** The shard's version vector: origin region to the highest contiguous sequence applied. */
  public static Map<String, Long> versionVector(KvEngine engine) {
    Map<String, Long> out = new HashMap<>();
    engine.replMeta.forEachFrom(VV_PREFIX, (key, value) -> {
      if (key.length < VV_PREFIX.length || !Arrays.equals(key, 0, VV_PREFIX.length, VV_PREFIX, 0, VV_PREFIX.length)) {
        return false;
      }
      out.put(new String(key, VV_PREFIX.length, key.length - VV_PREFIX.length, StandardCharsets.UTF_8),
          ByteBuffer.wrap(value).getLong());
      return true;
    });
    return out;
  }
}
