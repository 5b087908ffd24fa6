package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import io.edgekv.chaos.history.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Comparator;

/**
 * Bounded staleness of near-cache reads (the {@code cache-staleness} workload). Each key has one
 * writer at a time, which writes increasing integers ({@code write}, value {@code {"value": n}}),
 * so a larger value is a newer one. Near-cache reads ({@code read} with consistency {@code NEAR})
 * record {@code {"value": n}} (null: miss).
 *
 * <p>A read invoked at {@code t} is <b>stale</b> when it returns a value smaller than that of a
 * write acknowledged before {@code t - bound}: the cache served something older than what it is
 * allowed to. Its staleness is {@code t} minus the acknowledgement of the first write newer than
 * the value read. A value whose own write had an unknown outcome is not judged (that write may
 * have taken effect late). Two bounds:
 * <ul>
 *   <li>reads invoked after the final heal plus {@code settle} (watches reconnected): {@code
 *       bound} — a violation is an anomaly ({@code stale-read}) and the history is invalid;
 *   <li>reads during the fault period: {@code faultBound}. Counted and listed ({@code
 *       stale-during-faults}); they make the history invalid when {@code strictDuringFaults}, as
 *       the near-cache workload asks: the cache bounds staleness by its watch's progress events,
 *       also while the watch stays connected to a node cut off from its Raft leader.
 * </ul>
 */
public final class CacheStalenessChecker implements Checker {
  public static final String NEAR = "NEAR";

  private final Duration bound;
  private final Duration faultBound;
  private final Duration settle;
  private final boolean strictDuringFaults;

  public CacheStalenessChecker(Duration bound, Duration faultBound, Duration settle, boolean strictDuringFaults) {
    this.bound = bound;
    this.faultBound = faultBound;
    this.settle = settle;
    this.strictDuringFaults = strictDuringFaults;
  }

  @Override
  public String name() {
    return "cache-staleness";
  }

  private record Ack(long value, long ackNanos, Operation op) {}

  @Override
  public CheckResult check(History history) {
    long healNanos = Long.MAX_VALUE;
    for (Op e : history.nemesisEvents()) {
      if ("heal".equals(e.f())) {
        healNanos = e.timeNanos(); // the last one: the run's final heal
      }
    }
    long settledAfter = healNanos == Long.MAX_VALUE ? Long.MAX_VALUE : healNanos + settle.toNanos();
    Map<String, List<Ack>> acks = new TreeMap<>();
    Map<String, Map<Long, Operation>> unknown = new HashMap<>();
    List<Operation> reads = new ArrayList<>();
    for (Operation op : history.operations()) {
      if ("write".equals(op.f()) && op.key() != null) {
        long v = op.invoke().value().path("value").asLong();
        if (op.ok()) {
          acks.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(new Ack(v, op.completion().timeNanos(), op));
        } else if (op.indeterminate()) {
          unknown.computeIfAbsent(op.key(), k -> new HashMap<>()).put(v, op);
        }
      } else if ("read".equals(op.f()) && NEAR.equals(op.invoke().consistency()) && op.ok()) {
        reads.add(op);
      }
    }
    acks.values().forEach(l -> l.sort(Comparator.comparingLong(Ack::ackNanos)));
    List<ObjectNode> anomalies = new ArrayList<>();
    long settledReads = 0;
    long faultReads = 0;
    long staleSettled = 0;
    long staleFaults = 0;
    long maxStaleSettledMs = 0;
    long maxStaleFaultsMs = 0;
    long notJudged = 0;
    long behind = 0; // reads older than some write acknowledged before them, within the bound or not
    long maxBehindSettledMs = 0;
    long maxBehindFaultsMs = 0;
    for (Operation r : reads) {
      JsonNode v = r.completion().value().path("value");
      long value = v.isNull() || v.isMissingNode() ? Long.MIN_VALUE : v.asLong();
      long t = r.callNanos();
      boolean settled = t >= settledAfter;
      if (settled) {
        settledReads++;
      } else {
        faultReads++;
      }
      if (value != Long.MIN_VALUE && unknown.getOrDefault(r.key(), Map.of()).containsKey(value)) {
        notJudged++;
        continue;
      }
      long limit = (settled ? bound : faultBound).toNanos();
      Ack firstNewer = null;
      boolean stale = false;
      for (Ack a : acks.getOrDefault(r.key(), List.of())) {
        if (a.ackNanos() >= t) {
          break;
        }
        if (a.value() > value) {
          if (firstNewer == null) {
            firstNewer = a;
          }
          if (a.ackNanos() < t - limit) {
            stale = true;
          }
        }
      }
      if (firstNewer != null) {
        long behindMs = (t - firstNewer.ackNanos()) / 1_000_000;
        behind++;
        if (settled) {
          maxBehindSettledMs = Math.max(maxBehindSettledMs, behindMs);
        } else {
          maxBehindFaultsMs = Math.max(maxBehindFaultsMs, behindMs);
        }
      }
      if (!stale) {
        continue;
      }
      long staleMs = (t - firstNewer.ackNanos()) / 1_000_000;
      String message = "key " + r.key() + ": near-cache read returned " + (value == Long.MIN_VALUE ? "nothing" : value)
          + " " + staleMs + " ms after " + firstNewer.value() + " was acknowledged (bound "
          + (settled ? bound : faultBound).toMillis() + " ms" + (settled ? ", after heal" : ", during faults") + ")";
      if (settled) {
        staleSettled++;
        maxStaleSettledMs = Math.max(maxStaleSettledMs, staleMs);
        if (anomalies.size() < Anomalies.MAX) {
          anomalies.add(Anomalies.withOps(Anomalies.of("stale-read", message), List.of(firstNewer.op(), r)));
        }
      } else {
        staleFaults++;
        maxStaleFaultsMs = Math.max(maxStaleFaultsMs, staleMs);
        if (anomalies.size() < Anomalies.MAX) {
          anomalies.add(Anomalies.withOps(Anomalies.of("stale-during-faults", message), List.of(firstNewer.op(), r)));
        }
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("boundMs", bound.toMillis());
    stats.put("faultBoundMs", faultBound.toMillis());
    stats.put("readsAfterHeal", settledReads);
    stats.put("readsDuringFaults", faultReads);
    stats.put("staleAfterHeal", staleSettled);
    stats.put("staleDuringFaults", staleFaults);
    stats.put("maxStalenessAfterHealMs", maxStaleSettledMs);
    stats.put("maxStalenessDuringFaultsMs", maxStaleFaultsMs);
    stats.put("notJudged", notJudged);
    stats.put("readsBehindAnAck", behind);
    stats.put("worstBehindAfterHealMs", maxBehindSettledMs);
    stats.put("worstBehindDuringFaultsMs", maxBehindFaultsMs);
    stats.put("ackedWrites", acks.values().stream().mapToInt(List::size).sum());
    if (healNanos == Long.MAX_VALUE) {
      return new CheckResult(name(), Verdict.UNKNOWN, "no final heal in the history", anomalies, stats);
    }
    if (staleSettled > 0 || (strictDuringFaults && staleFaults > 0)) {
      return new CheckResult(name(), Verdict.INVALID, staleSettled + " of " + settledReads
          + " near-cache reads after heal were stale beyond " + bound.toMillis() + " ms (worst " + maxStaleSettledMs
          + " ms); " + staleFaults + " during faults beyond " + faultBound.toMillis() + " ms", anomalies, stats);
    }
    if (settledReads == 0) {
      return new CheckResult(name(), Verdict.UNKNOWN, "no near-cache read after heal + " + settle.toMillis() + " ms",
          anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, settledReads + " near-cache reads after heal within " + bound.toMillis()
        + " ms of the newest acknowledged write; during faults " + staleFaults + " of " + faultReads + " beyond "
        + faultBound.toMillis() + " ms (worst " + maxStaleFaultsMs + " ms)", anomalies, stats);
  }
}
