package io.edgekv.node.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.invalidation.BufferLimits;
import io.edgekv.invalidation.Selector;
import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills the gap between a subscriber's position and now from the node's changelog (a column
 * family of every shard's RocksDB: {@code index ordinal -> ChangeEvent}, the last
 * {@link Applier#CHANGELOG_RETENTION} indexes, replicated state, so it is the same on every
 * replica and survives restarts).
 */
final class ChangelogReplay {
  private ChangelogReplay() {}

  /**
   * The matching events after a position, in order per shard, the highest index read per shard,
   * and what the events cost in memory ({@link BufferLimits#footprint}).
   */
  record Result(List<ChangeEvent> events, long[] readUpTo, long bytes) {}

  /**
   * Reads the matching changes after {@code from}, or returns null when the gap cannot be
   * filled: part of it is no longer in the changelog, or it holds more than {@code maxEvents}
   * matching changes or more than {@code maxBytes} of them (cheaper for the subscriber to start
   * over than to take them all, and a replay must not hold more memory than a stream's buffer).
   * The changelog is iterated entry by entry, so what is held is the matching events alone.
   */
  static Result read(RegionReplica replica, Selector selector, WatchPosition from, int maxEvents, long maxBytes) {
    List<ChangeEvent> events = new ArrayList<>();
    long[] bytes = {0};
    long[] readUpTo = new long[replica.shards()];
    for (int shard = 0; shard < replica.shards(); shard++) {
      long after = from.index(shard);
      readUpTo[shard] = after;
      long applied = replica.appliedIndex(shard).get();
      if (after >= applied) {
        continue;
      }
      boolean[] overflow = {false};
      int s = shard;
      Boolean complete = replica.read(shard, engine -> {
        long[] first = {-1};
        engine.changelog.forEachFrom(null, (key, value) -> {
          first[0] = ReplicationKeys.changelogIndex(key);
          return false;
        });
        // Indexes at or above applied - retention are never trimmed; below that, only what is
        // at or after the oldest entry still there is known to be complete.
        boolean retained = after + 1 >= applied - Applier.CHANGELOG_RETENTION
            || (first[0] >= 0 && after + 1 >= first[0]);
        if (!retained) {
          return false;
        }
        engine.changelog.forEachFrom(ReplicationKeys.changelogKey(after + 1, 0), (key, value) -> {
          ChangeEvent event = parse(value);
          readUpTo[s] = Math.max(readUpTo[s], ReplicationKeys.changelogIndex(key));
          if (selector.matches(event)) {
            long footprint = BufferLimits.footprint(event);
            if (events.size() >= maxEvents || bytes[0] + footprint > maxBytes) {
              overflow[0] = true;
              return false;
            }
            events.add(event);
            bytes[0] += footprint;
          }
          return true;
        });
        return true;
      });
      if (!complete || overflow[0]) {
        return null;
      }
    }
    return new Result(events, readUpTo, bytes[0]);
  }

  private static ChangeEvent parse(byte[] bytes) {
    try {
      return ChangeEvent.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new io.edgekv.replication.storage.StorageException("corrupt changelog entry", e);
    }
  }
}
