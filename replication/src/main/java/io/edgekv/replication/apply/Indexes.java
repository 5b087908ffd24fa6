package io.edgekv.replication.apply;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.Arrays;
import java.util.function.Consumer;
import org.rocksdb.WriteBatch;

/**
 * The entries' secondary indexes, kept in the same batch as the entry: tags ({@code tag_index}),
 * expiry deadlines ({@code expiry_index}) and tombstone times ({@code tombstone_index}).
 */
final class Indexes {
  private static final byte[] EMPTY = new byte[0];

  private final KvEngine engine;

  Indexes(KvEngine engine) {
    this.engine = engine;
  }

  /** Indexes a live entry by its tags and expiry. */
  void index(WriteBatch batch, EntryKey key, StoredEntry entry) {
    for (String tag : entry.getTagsList()) {
      engine.tagIndex.put(batch, ReplicationKeys.tagKey(key, tag), EMPTY);
    }
    if (entry.getExpiresAtUnixMs() > 0) {
      engine.expiryIndex.put(batch, ReplicationKeys.timeKey(entry.getExpiresAtUnixMs(), key), EMPTY);
    }
  }

  /** Indexes a tombstone by its time, so that it can be collected later. */
  void indexTombstone(WriteBatch batch, EntryKey key, Version version) {
    engine.tombstoneIndex.put(batch, ReplicationKeys.timeKey(HybridClock.physicalMillis(version.hlc()), key), EMPTY);
  }

  /** Removes whatever index entries {@code existing} (a value or a tombstone, or null) has. */
  void unindex(WriteBatch batch, EntryKey key, StoredEntry existing) {
    if (existing == null) {
      return;
    }
    if (existing.getTombstone()) {
      engine.tombstoneIndex.delete(batch, ReplicationKeys.timeKey(HybridClock.physicalMillis(existing.getHlc()), key));
      return;
    }
    for (String tag : existing.getTagsList()) {
      engine.tagIndex.delete(batch, ReplicationKeys.tagKey(key, tag));
    }
    if (existing.getExpiresAtUnixMs() > 0) {
      engine.expiryIndex.delete(batch, ReplicationKeys.timeKey(existing.getExpiresAtUnixMs(), key));
    }
  }

  /** Visits the stored keys of a namespace that carry {@code tag}. */
  void forEachTagged(String namespace, String tag, Consumer<EntryKey> visitor) {
    byte[] prefix = ReplicationKeys.tagPrefix(namespace, tag);
    engine.tagIndex.forEachFrom(prefix, (indexKey, unused) -> {
      if (!ReplicationKeys.startsWith(indexKey, prefix)) {
        return false;
      }
      visitor.accept(new EntryKey(namespace, Arrays.copyOfRange(indexKey, prefix.length, indexKey.length)));
      return true;
    });
  }
}
