package io.edgekv.replication.raft;

import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.ShardFailedException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * What the rest of the node may read of this replica's local storage, shard by shard: entries,
 * the version vector and storage figures (the changelog and purge receipts, for Watch:
 * {@link io.edgekv.replication.read.ChangelogReads}). The engine's tables stay inside
 * {@code replication/}. Every method throws {@link ShardFailedException} when the shard has
 * failed on this node or is being rebuilt.
 */
public final class ShardReads {
  private final RegionReplica replica;

  ShardReads(RegionReplica replica) {
    this.replica = replica;
  }

  /** The key's stored entry, tombstones included (see {@code StoredEntries.isLive}), or null. */
  public StoredEntry entry(int shard, EntryKey key) {
    return replica.read(shard, engine -> engine.entries.get(key));
  }

  /**
   * Several keys' stored entries, in order (null where absent), read from one snapshot of the
   * shard: a transaction applied meanwhile is seen whole or not at all (BatchGet relies on it).
   */
  public List<StoredEntry> entries(int shard, List<EntryKey> keys) {
    return replica.read(shard, engine -> engine.entries.getAll(keys));
  }

  /**
   * {@link #entries} for a caller that must not wait (a transport thread): empty when the read
   * would need the disk or the shard's engine is being swapped; the caller then reads with
   * {@link #entries} where it may wait.
   */
  public Optional<List<StoredEntry>> entriesInMemory(int shard, List<EntryKey> keys) {
    return replica.tryRead(shard, engine -> engine.entries.getAllInMemory(keys));
  }

  /**
   * Visits stored entries (tombstones included) in key order from {@code from} until the visitor
   * returns false or the shard ends. The visitor runs under the shard's read lock: it must be quick.
   */
  public void scan(int shard, EntryKey from, BiPredicate<EntryKey, StoredEntry> visitor) {
    replica.read(shard, engine -> {
      engine.entries.forEachFrom(from, visitor);
      return null;
    });
  }

  /**
   * The shard's version vector: origin region to the highest contiguous sequence applied here.
   * Kept in memory by apply; no storage access.
   */
  public Map<String, Long> versionVector(int shard) {
    replica.checkNotRebuilding(shard);
    return replica.machine(shard).versionVector();
  }

  /** What the shard applied, in the origins' stamps (tombstone collection); kept in memory by apply. */
  public AppliedStamps appliedStamps(int shard) {
    replica.checkNotRebuilding(shard);
    return replica.machine(shard).appliedStamps();
  }

  /** The applied index as stored in the shard's RocksDB: a storage read, for liveness checks. */
  public long storedAppliedIndex(int shard) {
    return replica.read(shard, engine -> engine.appliedPosition().getIndex());
  }

  /** Approximate size of the shard's live data on disk, in bytes (-1 if unknown). */
  public long sizeBytes(int shard) {
    return replica.read(shard, engine -> engine.approximateSizeBytes());
  }

  /** A numeric RocksDB property summed over the shard's column families (-1 if unknown). */
  public long storageProperty(int shard, String name) {
    return replica.read(shard, engine -> engine.longProperty(name));
  }

  /** Compacts the shard's storage fully (blocks; admin only). */
  public void compact(int shard) {
    replica.read(shard, engine -> {
      engine.compact();
      return null;
    });
  }
}
