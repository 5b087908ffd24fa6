package io.edgekv.replication.apply;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.rocksdb.WriteBatch;

/**
 * How much a shard stores per namespace: stored entries that are not tombstones, and their bytes
 * (key plus value). Replicated state: apply keeps the counts in {@code repl_meta}, in the batch
 * of the change they count, so they survive a restart, travel in snapshots and are the same on
 * every replica at the same log position. Expired entries count until the sweep expires them.
 * The quotas of the public port read them ({@link #read}).
 *
 * <p>A store written before the counts existed has no marker row; the first {@link Applier} on it
 * counts once from the entries (deterministic: the same state gives the same counts).
 */
public final class NamespaceUsage {
  private static final byte[] PREFIX = "ns/".getBytes(StandardCharsets.UTF_8);
  private static final byte[] MARKER = "ns-usage-format".getBytes(StandardCharsets.UTF_8);
  private static final byte[] FORMAT = {1};

  /** Entries and bytes of one namespace in one shard (or summed over shards). */
  public record Usage(long keys, long bytes) {
    public static final Usage NONE = new Usage(0, 0);

    public Usage plus(Usage other) {
      return new Usage(keys + other.keys, bytes + other.bytes);
    }
  }

  private final KvEngine engine;

  NamespaceUsage(KvEngine engine) {
    this.engine = engine;
    if (engine.replMeta.get(MARKER) == null) {
      countFromEntries();
    }
  }

  /** What one namespace stores in this shard, as of the last written batch. */
  public static Usage read(KvEngine engine, String namespace) {
    byte[] value = engine.replMeta.get(key(namespace));
    return value == null ? Usage.NONE : decode(value);
  }

  /** The bytes a stored entry that is not a tombstone counts for: its key and its value. */
  public static long bytesOf(EntryKey key, StoredEntry entry) {
    return key.key().length + entry.getValue().size();
  }

  /** Records in {@code ctx} that {@code key} goes from {@code before} to {@code after} (null: absent). */
  static void change(ApplyContext ctx, EntryKey key, StoredEntry before, StoredEntry after) {
    boolean was = before != null && !before.getTombstone();
    boolean is = after != null && !after.getTombstone();
    long keys = (is ? 1 : 0) - (was ? 1 : 0);
    long bytes = (is ? bytesOf(key, after) : 0) - (was ? bytesOf(key, before) : 0);
    if (keys != 0 || bytes != 0) {
      ctx.usage.merge(key.namespace(), new Usage(keys, bytes), Usage::plus);
    }
  }

  /** Adds one log entry's changes (per namespace) to the stored counts, in its batch. */
  void flush(WriteBatch batch, Map<String, Usage> deltas) {
    deltas.forEach((namespace, delta) -> {
      Usage now = read(engine, namespace).plus(delta);
      engine.replMeta.put(batch, key(namespace), encode(new Usage(Math.max(0, now.keys), Math.max(0, now.bytes))));
    });
  }

  private void countFromEntries() {
    Map<String, Usage> counts = new TreeMap<>();
    engine.entries.forEachFrom(null, (key, entry) -> {
      if (!entry.getTombstone()) {
        counts.merge(key.namespace(), new Usage(1, bytesOf(key, entry)), Usage::plus);
      }
      return true;
    });
    try (WriteBatch batch = new WriteBatch()) {
      counts.forEach((namespace, usage) -> engine.replMeta.put(batch, key(namespace), encode(usage)));
      engine.replMeta.put(batch, MARKER, FORMAT);
      engine.write(batch);
    }
  }

  /** The namespaces of the shard with their counts (for status pages and tests). */
  public static Map<String, Usage> all(KvEngine engine) {
    Map<String, Usage> out = new HashMap<>();
    engine.replMeta.forEachFrom(PREFIX, (key, value) -> {
      if (!startsWithPrefix(key)) {
        return false;
      }
      out.put(new String(key, PREFIX.length, key.length - PREFIX.length, StandardCharsets.UTF_8), decode(value));
      return true;
    });
    return out;
  }

  private static boolean startsWithPrefix(byte[] key) {
    return key.length >= PREFIX.length && ByteBuffer.wrap(key, 0, PREFIX.length).equals(ByteBuffer.wrap(PREFIX));
  }

  private static byte[] key(String namespace) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(PREFIX.length + ns.length).put(PREFIX).put(ns).array();
  }

  private static byte[] encode(Usage usage) {
    return ByteBuffer.allocate(16).putLong(usage.keys).putLong(usage.bytes).array();
  }

  private static Usage decode(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    return new Usage(b.getLong(), b.getLong());
  }
}
