package io.edgekv.replication.raft;

import java.time.Clock;

/** When a replica last had applied all that its group had committed (bounded-staleness reads). */
final class Freshness {
  private final Clock clock;
  private volatile long freshAtMillis = -1;

  Freshness(Clock clock) {
    this.clock = clock;
  }

  void sample(GroupInfo group, long nowMillis) {
    boolean hasLeader = !group.leader().isEmpty();
    if ("LEADER".equals(group.role()) || (hasLeader && group.appliedIndex() >= group.commitIndex())) {
      freshAtMillis = nowMillis;
    }
  }

  long stalenessMillis() {
    long fresh = freshAtMillis;
    return fresh < 0 ? Long.MAX_VALUE : Math.max(0, clock.millis() - fresh);
  }
}
