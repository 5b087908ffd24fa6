package io.edgekv.replication.raft;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each shard's replica last had applied all that its group had committed, sampled
 * periodically (never per request), for bounded-staleness reads.
 */
final class Freshness {
  private final Clock clock;
  /** Per shard, the last time it was found caught up; -1 never. */
  private final AtomicLongArray freshAtMillis;

  Freshness(Clock clock, int shards) {
    this.clock = clock;
    this.freshAtMillis = new AtomicLongArray(shards);
    for (int shard = 0; shard < shards; shard++) {
      freshAtMillis.set(shard, -1);
    }
  }

  /** A leader is fresh; a follower is when it knows a leader and has applied all it knows committed. */
  void sample(List<GroupInfo> groups) {
    long now = clock.millis();
    for (GroupInfo group : groups) {
      boolean hasLeader = !group.leader().isEmpty();
      if (group.isLeader() || (hasLeader && group.appliedIndex() >= group.commitIndex())) {
        freshAtMillis.set(group.shard(), now);
      }
    }
  }

  long stalenessMillis(int shard) {
    long fresh = freshAtMillis.get(shard);
    return fresh < 0 ? Long.MAX_VALUE : Math.max(0, clock.millis() - fresh);
  }
}
