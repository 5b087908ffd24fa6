package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.TreeSet;

/**
 * CRDT counters (the {@code counter} workload). Increments record {@code {"delta": d}} on invoke
 * and {@code {"value": total}} on ok; reads record {@code {"value": total}} (null: no counter yet,
 * i.e. 0). Per key:
 * <ul>
 *   <li><b>final value</b>: after heal every node's final read ({@code "final": true}) is the sum of
 *       the acknowledged deltas plus the deltas of some subset of the increments of unknown
 *       outcome: {@code ok + negative(info) <= final <= ok + positive(info)}. Below:
 *       {@code lost-increment}; above: {@code double-counted} (with negative deltas the other way
 *       round is possible too: a lost -d reads high; the message gives the range);
 *   <li><b>converged</b>: every node's final value is the same ({@code diverged} otherwise);
 *   <li><b>reads during the run</b> (EVENTUAL, any region, also the total an increment returns):
 *       the value is the sum of some subset of the increments invoked before the read returned and
 *       not failed, so it lies between the sum of their negative deltas and the sum of their
 *       positive deltas ({@code impossible-read}). Replication across regions is asynchronous, so
 *       no increment has to be visible in a read before the end.
 * </ul>
 * Failed increments ({@code fail}) did not happen. A failed final read makes the key {@code unknown}.
 */
public final class CounterChecker implements Checker {
  @Override
  public String name() {
    return "counter";
  }

  @Override
  public CheckResult check(History history) {
    Map<String, List<Operation>> increments = new TreeMap<>();
    Map<String, List<Operation>> reads = new TreeMap<>();
    Map<String, List<Operation>> finals = new TreeMap<>();
    for (Operation op : history.operations()) {
      if (op.key() == null || op.key().endsWith("/")) {
        continue; // prefix reads are the convergence checker's
      }
      switch (op.f()) {
        case "increment" -> increments.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        case "read" -> (op.isFinal() ? finals : reads).computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        default -> { }
      }
    }
    List<ObjectNode> anomalies = new ArrayList<>();
    Map<String, Long> kinds = new TreeMap<>();
    long ackedIncrements = 0;
    long unknownIncrements = 0;
    long readsChecked = 0;
    List<String> unknownKeys = new ArrayList<>();
    Map<String, Object> finalValues = new LinkedHashMap<>();
    Set<String> keys = new TreeSet<>(increments.keySet());
    keys.addAll(finals.keySet());
    for (String key : keys) {
      List<Operation> incs = increments.getOrDefault(key, List.of());
      long ok = 0;
      long posInfo = 0;
      long negInfo = 0;
      for (Operation inc : incs) {
        long d = delta(inc);
        if (inc.ok()) {
          ok += d;
          ackedIncrements++;
        } else if (inc.indeterminate()) {
          unknownIncrements++;
          if (d > 0) {
            posInfo += d;
          } else {
            negInfo += d;
          }
        }
      }
      long lower = ok + negInfo;
      long upper = ok + posInfo;
      // reads during the run, and the totals increments returned
      List<Operation> observed = new ArrayList<>(reads.getOrDefault(key, List.of()));
      incs.stream().filter(Operation::ok).forEach(observed::add);
      for (Operation r : observed) {
        if (!r.ok()) {
          continue;
        }
        JsonNode v = r.completion().value().path("value");
        long value = v.isNull() || v.isMissingNode() ? 0 : v.asLong();
        long lo = 0;
        long hi = 0;
        for (Operation inc : incs) {
          if (!inc.failed() && inc.callNanos() < r.returnNanos()) {
            long d = delta(inc);
            if (d > 0) {
              hi += d;
            } else {
              lo += d;
            }
          }
        }
        readsChecked++;
        if (value < lo || value > hi) {
          kinds.merge("impossible-read", 1L, Long::sum);
          add(anomalies, Anomalies.withOps(Anomalies.of("impossible-read", "key " + key + ": " + r.f() + " returned "
              + value + ", but the increments invoked before it returned can only sum to " + lo + ".." + hi),
              List.of(r)));
        }
      }
      // final reads: every node in [lower, upper], all equal
      List<Operation> fin = finals.getOrDefault(key, List.of());
      if (fin.isEmpty() || fin.stream().anyMatch(f -> !f.ok())) {
        unknownKeys.add(key);
        add(anomalies, Anomalies.withOps(Anomalies.of("unreadable", "key " + key + ": "
            + (fin.isEmpty() ? "no final read" : "a final read failed")), fin));
        continue;
      }
      Map<String, Long> byNode = new TreeMap<>();
      for (Operation f : fin) {
        JsonNode v = f.completion().value().path("value");
        long value = v.isNull() || v.isMissingNode() ? 0 : v.asLong();
        byNode.put(f.completion().node() == null ? f.invoke().node() : f.completion().node(), value);
        if (value < lower || value > upper) {
          String kind = value < lower ? "lost-increment" : "double-counted";
          kinds.merge(kind, 1L, Long::sum);
          add(anomalies, Anomalies.withOps(Anomalies.of(kind, "key " + key + " on " + f.invoke().node() + ": final value "
              + value + ", but acknowledged increments sum to " + ok + " and those of unknown outcome allow only "
              + lower + ".." + upper), List.of(f)));
        }
      }
      if (byNode.values().stream().distinct().count() > 1) {
        kinds.merge("diverged", 1L, Long::sum);
        add(anomalies, Anomalies.withOps(Anomalies.of("diverged", "key " + key + ": nodes disagree after heal: "
            + byNode), fin));
      }
      finalValues.put(key, byNode.values().iterator().next() + " in " + lower + ".." + upper);
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("keys", keys.size());
    stats.put("ackedIncrements", ackedIncrements);
    stats.put("unknownIncrements", unknownIncrements);
    stats.put("readsChecked", readsChecked);
    stats.put("finalValues", finalValues.toString());
    stats.put("anomalies", kinds.toString());
    long bad = kinds.values().stream().mapToLong(Long::longValue).sum();
    if (bad > 0) {
      return new CheckResult(name(), Verdict.INVALID, bad + " anomalies " + kinds + " on " + keys.size() + " counters",
          anomalies, stats);
    }
    if (!unknownKeys.isEmpty()) {
      return new CheckResult(name(), Verdict.UNKNOWN, "no complete final read of " + unknownKeys, anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, keys.size() + " counters converged within their bounds ("
        + ackedIncrements + " acknowledged increments, " + unknownIncrements + " of unknown outcome, " + readsChecked
        + " reads checked)", anomalies, stats);
  }

  private static long delta(Operation inc) {
    return inc.invoke().value().path("delta").asLong();
  }

  private static void add(List<ObjectNode> anomalies, ObjectNode a) {
    if (anomalies.size() < Anomalies.MAX) {
      anomalies.add(a);
    }
  }
}
