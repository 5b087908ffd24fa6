package io.edgekv.node;

import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.RegionReplica;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this node should receive anycast traffic, and if not, why. A node is ready when its
 * storage is open, every shard group has a leader, and it is not draining.
 */
public final class Readiness {
  private final RegionReplica replica;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  public Readiness(RegionReplica replica) {
    this.replica = replica;
  }

  void markStarted() {
    started.set(true);
  }

  public void setDraining(boolean value) {
    draining.set(value);
  }

  public boolean draining() {
    return draining.get();
  }

  /** Reasons the node is not ready; empty when it is. */
  public List<String> notReadyReasons() {
    List<String> reasons = new ArrayList<>();
    if (!started.get()) {
      reasons.add("starting");
      return reasons;
    }
    if (draining.get()) {
      reasons.add("draining");
    }
    for (GroupInfo group : replica.groups()) {
      if (group.leader().isEmpty()) {
        reasons.add("no_leader: shard " + group.shard() + " has no Raft leader (no quorum reachable)");
      }
    }
    return reasons;
  }

  public boolean ready() {
    return notReadyReasons().isEmpty();
  }
}
