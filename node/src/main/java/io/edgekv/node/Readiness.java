package io.edgekv.node;

import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.RegionReplica;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node should receive anycast traffic, and if not, why (the reasons are served by
 * {@code /readyz}). A node is ready when it has started, its storage is open, it caught up at
 * start-up, every shard group has a leader (a reachable quorum), it is not draining, it applies
 * what its group commits without a large backlog, and its clock is within the allowed offset.
 */
public final class Readiness {
  private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
  /** A follower this many entries behind its group's commit index is not ready. */
  static final long MAX_APPLY_LAG_ENTRIES = 10_000;
  /** Start-up catch-up is done once a node is within this many entries of its groups' commit index. */
  static final long CATCH_UP_SLACK_ENTRIES = 100;

  private final RegionReplica replica;
  private final Clock clock;
  private final Duration maxClockOffset;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean caughtUp = new AtomicBoolean();
  private final AtomicLong startedAtNanos = new AtomicLong();
  private volatile long catchUpMillis = -1;
  private volatile String lastReasons = "";
  private volatile Watchdog watchdog;

  /**
   * A shard without a reachable quorum leaves the node ready, {@code degraded}, serving EVENTUAL
   * reads (DESIGN section 9), once it has caught up after start.
   */
  public Readiness(RegionReplica replica, Clock clock, Duration maxClockOffset) {
    this.replica = replica;
    this.clock = clock;
    this.maxClockOffset = maxClockOffset;
  }

  void watchdog(Watchdog watchdog) {
    this.watchdog = watchdog;
  }

  /** Why the node cannot make progress ({@code /healthz} fails); empty while it lives. */
  public List<String> livenessFailures() {
    Watchdog w = watchdog;
    return w == null ? List.of() : w.livenessFailures();
  }

  /**
   * Conditions that limit the node without making it unready: {@code degraded} while a shard has
   * no reachable quorum (EVENTUAL reads are served, writes are refused with a healthy region named).
   */
  public List<String> degradedReasons() {
    if (!started.get() || !caughtUp.get()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (GroupInfo group : replica.groups()) {
      if (group.leader().isEmpty() && group.role() != GroupInfo.Role.UNKNOWN && group.role() != GroupInfo.Role.FAILED) {
        out.add("degraded: shard " + group.shard() + " has no Raft leader (no quorum reachable); serving EVENTUAL "
            + "reads, refusing writes with a healthy region's address");
      }
    }
    return out;
  }

  void markStarted() {
    startedAtNanos.set(System.nanoTime());
    started.set(true);
  }

  public void setDraining(boolean value) {
    draining.set(value);
  }

  public boolean draining() {
    return draining.get();
  }

  /** Milliseconds from start until this node had applied what its groups had committed; -1 until then. */
  public long catchUpMillis() {
    return catchUpMillis;
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
    List<Integer> removedFrom = replica.membership().removedFrom();
    if (!removedFrom.isEmpty()) {
      reasons.add("removed: node " + replica.nodeId() + " is no longer a member of region " + replica.region()
          + " (shards " + removedFrom + ")");
    }
    List<GroupInfo> groups = replica.groups();
    boolean allCaughtUp = true;
    for (GroupInfo group : groups) {
      if (group.leader().isEmpty()) {
        // Before the first catch-up a node without a leader cannot know what it missed; after it,
        // a lost quorum degrades the node (EVENTUAL reads go on; see degradedReasons).
        if (!caughtUp.get()) {
          reasons.add("no_leader: shard " + group.shard() + " has no Raft leader (no quorum reachable)");
        }
        allCaughtUp = false;
        continue;
      }
      long lag = group.commitIndex() - group.appliedIndex();
      if (lag > CATCH_UP_SLACK_ENTRIES) {
        allCaughtUp = false;
      }
      if (lag > MAX_APPLY_LAG_ENTRIES) {
        reasons.add("apply_lag: shard " + group.shard() + " is " + lag + " entries behind its commit index (limit "
            + MAX_APPLY_LAG_ENTRIES + ")");
      }
    }
    if (!caughtUp.get()) {
      if (allCaughtUp && !groups.isEmpty()) {
        caughtUp.set(true);
        catchUpMillis = (System.nanoTime() - startedAtNanos.get()) / 1_000_000;
        LOG.info("node {} caught up {} ms after start", replica.nodeId(), catchUpMillis);
      } else {
        reasons.add("catching_up: applying what the region committed while this node was away");
      }
    }
    // Storage: a failed shard serves nothing here (admin rebuild-shard brings it back); a full disk
    // refuses writes. Either way anycast traffic is better served by another node.
    replica.shardFailures().forEach((shard, cause) -> reasons.add("shard_failed: shard " + shard + ": " + cause));
    replica.diskShortage().ifPresent(shortage -> reasons.add("disk_full: " + shortage + " (writes are refused)"));
    long ahead = HybridClock.physicalMillis(replica.clock().peek()) - clock.millis();
    if (ahead > maxClockOffset.toMillis()) {
      reasons.add("clock_offset: this node's clock is " + ahead + " ms behind timestamps it has seen (limit "
          + maxClockOffset.toMillis() + " ms)");
    }
    Watchdog w = watchdog;
    if (w != null) {
      reasons.addAll(w.notReadyReasons());
      reasons.addAll(w.livenessFailures());
    }
    String joined = String.join("; ", reasons);
    if (!joined.equals(lastReasons)) {
      lastReasons = joined;
      if (joined.isEmpty()) {
        LOG.info("node {} is ready", replica.nodeId());
      } else {
        LOG.info("node {} is not ready: {}", replica.nodeId(), joined);
      }
    }
    return reasons;
  }

  public boolean ready() {
    return notReadyReasons().isEmpty();
  }
}
