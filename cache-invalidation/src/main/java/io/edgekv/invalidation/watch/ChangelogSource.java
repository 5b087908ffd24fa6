package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.Entry;
import java.util.Optional;

/**
 * A node's view of its region's changelog: the replicated record of every change the region
 * applied, per shard and Raft index. Watch reads it to join a resumed stream to live changes
 * and to answer purge status. The node implements it over the replicated store (this module does
 * not know the store; DESIGN section 2).
 *
 * <p>Contract: a change at index {@code i} of a shard is in the changelog before
 * {@link #appliedIndex} reaches {@code i}, and {@code appliedIndex} reaches {@code i} before the
 * change is published to the bus (the gap-free join of {@link WatchStream} depends on it). Every
 * replica of the region holds the same changelog at the same index.
 */
public interface ChangelogSource {
  /** The region whose history this is. */
  String region();

  /** The node whose replica is read. */
  String nodeId();

  int shards();

  /** The highest index this replica has applied on {@code shard}. */
  long appliedIndex(int shard);

  /** Receives changes in index order; returns false to stop. */
  @FunctionalInterface
  interface ChangeVisitor {
    boolean visit(long index, ChangeEvent change);
  }

  /**
   * Visits {@code shard}'s changes at indexes above {@code after} in order, until the visitor
   * returns false; returns false (visiting nothing) when the changelog no longer holds all of them.
   */
  boolean changesAfter(int shard, long after, ChangeVisitor visitor);

  /** The shard's receipt of a purge: its change event as applied there, once it is. */
  Optional<ChangeEvent> purgeReceipt(int shard, String purgeId);

  /** The entry a put change wrote, with its value, while its key still holds that version. */
  Optional<Entry> entryWritten(ChangeEvent put);
}
