package io.edgekv.sim;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.apply.Applier;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.Map;

/**
 * One region: its PoPs and the simulated durable log that stands in for its Raft group. The
 * regional Raft path itself is covered by the chaos tests; here what matters is what Raft
 * guarantees the replication layer: one leader at a time (after an election pause when it
 * crashes), entries stamped by that leader and committed in order, every PoP applying the same
 * entries in the same order.
 *
 * <p>The leader stamps a proposal exactly as {@code KvStateMachine.startTransaction} does (its
 * HLC, its region, expiry deadlines from its wall clock); a write is acknowledged when the
 * leader has applied it. Every PoP applies the committed log with the production
 * {@link Applier} into its own engine.
 */
final class SimRegion {
  private final Simulation sim;
  private final String name;
  private final int index;
  private final List<SimPop> pops = new ArrayList<>();
  private final SplittableRandom random;
  /** Committed-or-appended entries from {@link #base} + 1 on (the prefix every PoP applied is dropped). */
  private final ArrayList<Proposal> log = new ArrayList<>();
  private final TreeMap<Long, CompletableFuture<CommandResult>> waiters = new TreeMap<>();
  private long base;
  private long commitIndex;
  private long firstApplied;
  private SimPop leader;
  private long term;
  private boolean electionPending;

  SimRegion(Simulation sim, String name, int index, SplittableRandom random) {
    this.sim = sim;
    this.name = name;
    this.index = index;
    this.random = random;
  }

  void add(SimPop pop) {
    pops.add(pop);
  }

  String name() {
    return name;
  }

  int index() {
    return index;
  }

  List<SimPop> pops() {
    return pops;
  }

  SimPop leader() {
    return leader;
  }

  long term() {
    return term;
  }

  long commitIndex() {
    return commitIndex;
  }

  long lastIndex() {
    return base + log.size();
  }

  Proposal entry(long index) {
    return log.get((int) (index - base - 1));
  }

  /** Elects the first leader at start. */
  void start() {
    elect();
  }

  /**
   * Proposes through this region's log, as any PoP would through its Raft group: refused when
   * there is no leader (an election is under way); completes with the command's result once the
   * leader applied it, or fails if the leader crashes first (the entry may still commit: the
   * outcome is unknown to the caller, as with Raft).
   */
  CompletableFuture<CommandResult> submit(Proposal proposal) {
    if (leader == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("region " + name + " has no leader"));
    }
    if (CommandRules.check(proposal.command()).isPresent()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("rejected proposal"));
    }
    Proposal stamped = leader.stamp(proposal);
    log.add(stamped);
    long at = lastIndex();
    CompletableFuture<CommandResult> result = new CompletableFuture<>();
    waiters.put(at, result);
    sim.loop().trace("append", index, at);
    // A majority's append and fsync: a few milliseconds inside one region.
    sim.loop().after(2 + random.nextInt(5), () -> commit(at));
    return result;
  }

  private void commit(long at) {
    if (at <= commitIndex) {
      return;
    }
    commitIndex = at;
    for (SimPop pop : pops) {
      pop.applySoon();
    }
  }

  /** Called by a PoP after it applied {@code at}; the first PoP to apply an entry reports it. */
  void applied(SimPop pop, long at, Proposal proposal, Applier.Outcome outcome, Map<String, Long> before,
      Map<String, Long> after) {
    if (at > firstApplied) {
      firstApplied = at;
      sim.firstApply(this, pop, proposal, outcome, before, after);
    }
    if (pop == leader) {
      CompletableFuture<CommandResult> waiter = waiters.remove(at);
      if (waiter != null) {
        waiter.complete(outcome.result());
      }
    }
    truncate();
  }

  /** Whether this is the region's first application of {@code at} (so the PoP reads the vector around it). */
  boolean firstToApply(long at) {
    return at > firstApplied;
  }

  /** Drops the log prefix every PoP has applied (a Raft snapshot would let a PoP skip it). */
  private void truncate() {
    long min = Long.MAX_VALUE;
    for (SimPop pop : pops) {
      min = Math.min(min, pop.appliedIndex());
    }
    if (min - base > 4096) {
      log.subList(0, (int) (min - base)).clear();
      base = min;
    }
  }

  /** A PoP crashed: if it led, the region elects another after an election timeout. */
  void crashed(SimPop pop) {
    if (pop == leader) {
      leader = null;
      // The crashed leader's pending acknowledgements are lost (unknown outcome for the client).
      waiters.values().forEach(w -> w.completeExceptionally(new IllegalStateException("leader crashed")));
      waiters.clear();
      scheduleElection();
    }
  }

  /** A PoP restarted: it catches up from the log; a leaderless region may elect it. */
  void restarted(SimPop pop) {
    pop.applySoon();
    if (leader == null) {
      scheduleElection();
    }
  }

  private void scheduleElection() {
    if (electionPending) {
      return;
    }
    electionPending = true;
    // Ratis' default election timeout is 1-2 s, plus a round to win the vote.
    sim.loop().after(1000 + random.nextInt(1500), () -> {
      electionPending = false;
      elect();
    });
  }

  private void elect() {
    List<SimPop> up = pops.stream().filter(SimPop::up).toList();
    if (up.isEmpty() || leader != null) {
      return;
    }
    leader = up.get(random.nextInt(up.size()));
    term++;
    sim.loop().trace("leader", index, pops.indexOf(leader), term);
    // A new leader applies everything committed before it serves (Raft's leader completeness).
    leader.applyCommitted();
    leader.lead();
  }
}
