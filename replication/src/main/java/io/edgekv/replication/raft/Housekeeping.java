package io.edgekv.replication.raft;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StoredEntries;
import io.edgekv.replication.storage.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's background upkeep of its shards: on the shards it leads, proposals that remove
 * expired entries and old tombstones (found by scanning the time indexes); on every shard, the
 * trim of the replication log to its retention (node configuration, so not part of apply).
 */
final class Housekeeping {
  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

  private final RegionReplica replica;
  private final long replogRetention;
  private final Map<Integer, CompletableFuture<?>> sweeps = new ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<?>> collections = new ConcurrentHashMap<>();

  Housekeeping(RegionReplica replica, long replogRetention) {
    this.replica = replica;
    this.replogRetention = replogRetention;
  }

  /** See {@link RegionReplica#sweepExpired}. */
  void sweepExpired(int maxPerShard) {
    long now = replica.clock().clock().millis();
    for (int shard = 0; shard < replica.shards(); shard++) {
      // Expired means expiresAt <= now, so the index scan stops before now + 1.
      proposeFromTimeIndex(shard, sweeps, engine -> engine.expiryIndex, now + 1, maxPerShard, false,
          Command.Expire::new, "expiry sweep");
    }
  }

  /**
   * Proposes the removal of tombstones older than {@code cutoffMillis} (HLC time) on a shard
   * this replica leads, at most {@code max}, oldest first. The caller picks the cutoff so that
   * every region has applied them, plus a grace period; apply removes a tombstone only if it is
   * still the same one. With none to collect, an empty collection after {@code tickAfterMillis}.
   */
  void collectTombstones(int shard, long cutoffMillis, int max, long tickAfterMillis) {
    if (proposeFromTimeIndex(shard, collections, engine -> engine.tombstoneIndex, cutoffMillis, max, true,
        Command.CollectTombstones::new, "tombstone collection") != 0) {
      return;
    }
    // Nothing to collect yet: on a shard that holds tombstones and applied nothing for a while, an
    // empty collection goes through the log, so this region's applied watermark moves on.
    long lastEntry = HybridClock.physicalMillis(replica.appliedStamps(shard).entry());
    if (lastEntry < replica.clock().clock().millis() - tickAfterMillis
        && replica.read(shard, engine -> holdsAny(engine.tombstoneIndex))) {
      collections.put(shard, replica.submit(shard, Proposal.unkeyed(new Command.CollectTombstones(List.of())))
          .exceptionally(error -> null));
    }
  }

  /** Trims every healthy shard's replication log to the configured retention per origin. */
  void trimReplicationLogs() {
    for (int shard = 0; shard < replica.shards(); shard++) {
      if (replica.shardFailure(shard).isEmpty()) {
        try {
          replica.machine(shard).trimReplicationLog(replogRetention);
        } catch (RuntimeException e) {
          LOG.debug("replication log of shard {} not trimmed: {}", shard, e.toString());
        }
      }
    }
  }

  private static boolean holdsAny(Table<byte[], byte[]> index) {
    boolean[] any = {false};
    index.forEachFrom(null, (key, value) -> {
      any[0] = true;
      return false;
    });
    return any[0];
  }

  /**
   * On a shard this replica leads, with no earlier proposal of the same kind in flight (else -1): scans a
   * time index ({@link ReplicationKeys#timeKey}) for entries before {@code beforeMillis} that are
   * (or, for tombstones, are not) live values, at most {@code max}, and proposes {@code command}
   * for them with the versions seen, so that apply can skip any that changed meanwhile. Returns
   * how many it proposed.
   */
  private int proposeFromTimeIndex(int shard, Map<Integer, CompletableFuture<?>> inFlight,
      Function<KvEngine, Table<byte[], byte[]>> index, long beforeMillis, int max, boolean tombstones,
      Function<List<Command.ExpireTarget>, Command> command, String what) {
    CompletableFuture<?> previous = inFlight.get(shard);
    if (!replica.isLeader(shard) || (previous != null && !previous.isDone())) {
      return -1;
    }
    List<Command.ExpireTarget> targets = replica.read(shard, engine -> {
      List<Command.ExpireTarget> found = new ArrayList<>();
      index.apply(engine).forEachFrom(null, (indexKey, unused) -> {
        if (ReplicationKeys.timeKeyMillis(indexKey) >= beforeMillis || found.size() >= max) {
          return false;
        }
        EntryKey key = ReplicationKeys.timeKeyEntry(indexKey);
        StoredEntry entry = engine.entries.get(key);
        if (entry != null && entry.getTombstone() == tombstones) {
          found.add(new Command.ExpireTarget(key.namespace(), key.key(), StoredEntries.version(entry)));
        }
        return true;
      });
      return found;
    });
    if (!targets.isEmpty()) {
      inFlight.put(shard, replica.submit(shard, Proposal.unkeyed(command.apply(targets))).exceptionally(error -> {
        LOG.debug("{} of shard {} not committed: {}", what, shard, error.toString());
        return null;
      }));
    }
    return targets.size();
  }
}
