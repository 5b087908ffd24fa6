package io.edgekv.replication.raft;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * How far behind its region each shard's replica may be, sampled periodically (never per
 * request), for bounded-staleness reads and the Watch's progress events.
 *
 * <p>A replica is known current as of its last proof of contact ({@link LeaderContact}): a leader
 * as of a majority's answers, a follower that has applied all that its leader said was committed
 * as of the leader's last message. Neither the role alone (a leader cut off from its group keeps it for up
 * to an election timeout) nor the wall clock (a step back would make a replica look fresh for as
 * long as the step) is trusted: ages are measured on the monotonic clock.
 */
final class Freshness {
  private static final long NEVER = Long.MIN_VALUE;
  private final LongSupplier nanoTime;
  /** Per shard, the monotonic time as of which it was last known current; {@link #NEVER} never. */
  private final AtomicLongArray freshAtNanos;

  Freshness(LongSupplier nanoTime, int shards) {
    this.nanoTime = nanoTime;
    this.freshAtNanos = new AtomicLongArray(shards);
    for (int shard = 0; shard < shards; shard++) {
      freshAtNanos.set(shard, NEVER);
    }
  }

  /**
   * @param contact per shard, this replica's last proof of contact ({@link LeaderContact})
   */
  void sample(List<GroupInfo> groups, IntFunction<LeaderContact.Proof> contact) {
    long now = nanoTime.getAsLong();
    for (GroupInfo group : groups) {
      if (!group.isLeader() && group.leader().isEmpty()) {
        continue;
      }
      LeaderContact.Proof proof = contact.apply(group.shard());
      long ago = proof.agoMillis();
      boolean caughtUp = group.isLeader()
          || group.appliedIndex() >= Math.max(group.commitIndex(), proof.leaderCommit());
      if (!caughtUp || ago == LeaderContact.NEVER) {
        continue;
      }
      long at = now - TimeUnit.MILLISECONDS.toNanos(Math.max(0, ago));
      freshAtNanos.accumulateAndGet(group.shard(), at, Math::max);
    }
  }

  /** Milliseconds since the shard was last known current; Long.MAX_VALUE if it never was. */
  long stalenessMillis(int shard) {
    long fresh = freshAtNanos.get(shard);
    return fresh == NEVER ? Long.MAX_VALUE : Math.max(0, TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - fresh));
  }
}
