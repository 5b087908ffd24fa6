package io.edgekv.replication.read;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StorageException;
import io.edgekv.replication.storage.StoredEntries;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads of a replica's changelog and purge receipts, the replicated record of every change a
 * region applied (for Watch resume and purge status; the invalidation module reads them through
 * the node, never the tables).
 *
 * <p>The changelog of a shard maps {@code (applied index, ordinal)} to the {@code ChangeEvent}s
 * applied at that index; apply keeps the last {@link Applier#CHANGELOG_RETENTION} indexes. It is
 * replicated state: the same on every replica of the region at the same index, and it survives
 * restarts.
 */
public final class ChangelogReads {
  private final RegionReplica replica;

  public ChangelogReads(RegionReplica replica) {
    this.replica = replica;
  }

  /** Receives changes in order; returns false to stop. */
  @FunctionalInterface
  public interface ChangeVisitor {
    boolean visit(long index, ChangeEvent change);
  }

  /**
   * Visits the shard's changes at indexes above {@code after}, in order, until {@code visitor}
   * returns false. Visits nothing and returns false when the changelog no longer holds every
   * change after {@code after} (trimmed past retention); true otherwise.
   */
  public boolean changesAfter(int shard, long after, ChangeVisitor visitor) {
    long applied = replica.appliedIndex(shard).get();
    return replica.read(shard, engine -> {
      // Indexes at or above applied - retention are never trimmed; below that, only what is at
      // or after the oldest entry still there is known to be complete.
      if (after + 1 < applied - Applier.CHANGELOG_RETENTION) {
        long[] first = {-1};
        engine.changelog.forEachFrom(null, (key, value) -> {
          first[0] = ReplicationKeys.changelogIndex(key);
          return false;
        });
        if (first[0] < 0 || after + 1 < first[0]) {
          return false;
        }
      }
      engine.changelog.forEachFrom(ReplicationKeys.changelogKey(after + 1, 0),
          (key, value) -> visitor.visit(ReplicationKeys.changelogIndex(key), parse(value, "changelog entry")));
      return true;
    });
  }

  /** The shard's receipt of a purge (the purge's change event as applied), once the shard applied it. */
  public Optional<ChangeEvent> purgeReceipt(int shard, String purgeId) {
    byte[] bytes = replica.read(shard, engine -> engine.purgeReceipts.get(purgeId.getBytes(StandardCharsets.UTF_8)));
    return bytes == null ? Optional.empty() : Optional.of(parse(bytes, "purge receipt " + purgeId));
  }

  /**
   * The entry a put change wrote, while its key still holds that version (a later write or a
   * delete since: empty).
   */
  public Optional<StoredEntry> entryWritten(int shard, ChangeEvent put) {
    EntryKey key = new EntryKey(put.getNamespace(), put.getKey().toByteArray());
    StoredEntry stored = replica.read(shard, engine -> engine.entries.get(key));
    if (stored == null || stored.getTombstone()
        || !StoredEntries.version(stored).equals(Version.of(put.getVersion()))) {
      return Optional.empty();
    }
    return Optional.of(stored);
  }

  private static ChangeEvent parse(byte[] bytes, String what) {
    try {
      return ChangeEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt " + what, e);
    }
  }
}
