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
import java.util.TreeSet;
import java.util.HashMap;

/**
 * No lost acknowledged write (the {@code set} workload): every element whose {@code add} was
 * acknowledged must be in the set's final read, and the final read must hold nothing that was
 * never added. With several final reads of a set (cross-region: one per node), each of them
 * must; a set missing lost elements in k reads counts k lost. Adds of unknown outcome may or may not be present. A set without a successful
 * final read is {@link Verdict#UNKNOWN}.
 */
public final class SetChecker implements Checker {
  @Override
  public String name() {
    return "set-no-lost-writes";
  }

  @Override
  public CheckResult check(History history) {
    Map<String, TreeSet<Long>> okAdds = new TreeMap<>();
    Map<String, TreeSet<Long>> attempted = new TreeMap<>();
    Map<String, Operation> addOf = new HashMap<>();
    Map<String, List<Operation>> finalReads = new TreeMap<>();
    boolean anyFinalRead = false;
    for (Operation op : history.operations()) {
      if ("add".equals(op.f())) {
        long element = op.invoke().value().asLong();
        attempted.computeIfAbsent(op.key(), k -> new TreeSet<>()).add(element);
        if (op.ok()) {
          okAdds.computeIfAbsent(op.key(), k -> new TreeSet<>()).add(element);
        }
        addOf.put(op.key() + "/" + element, op);
      } else if ("read".equals(op.f()) && op.isFinal() && "STRONG".equals(op.invoke().consistency())) {
        anyFinalRead = true;
        finalReads.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    List<ObjectNode> anomalies = new ArrayList<>();
    Verdict verdict = Verdict.VALID;
    long lost = 0;
    long unexpected = 0;
    long recovered = 0;
    long acknowledged = 0;
    for (String set : attempted.keySet()) {
      TreeSet<Long> ok = okAdds.getOrDefault(set, new TreeSet<>());
      acknowledged += ok.size();
      List<Operation> reads = finalReads.getOrDefault(set, List.of());
      if (reads.isEmpty() || reads.stream().anyMatch(r -> !r.ok())) {
        verdict = verdict.and(Verdict.UNKNOWN);
        anomalies.add(Anomalies.of("no-final-read", "set " + set + ": "
            + (reads.isEmpty() ? "no final read" : "a final read failed") + ", cannot decide"));
        continue;
      }
      TreeSet<Long> recoveredHere = new TreeSet<>();
      for (Operation read : reads) {
        TreeSet<Long> seen = new TreeSet<>();
        for (JsonNode e : read.completion().value()) {
          seen.add(e.asLong());
        }
        for (Long e : ok) {
          if (!seen.contains(e)) {
            lost++;
            verdict = Verdict.INVALID;
            if (anomalies.size() < Anomalies.MAX) {
              ObjectNode a = Anomalies.of("lost", "set " + set + ": element " + e
                  + " was acknowledged but is missing from the final read on " + read.invoke().node());
              anomalies.add(Anomalies.withOps(a, List.of(addOf.get(set + "/" + e), read)));
            }
          }
        }
        for (Long e : seen) {
          if (!attempted.get(set).contains(e)) {
            unexpected++;
            verdict = Verdict.INVALID;
            if (anomalies.size() < Anomalies.MAX) {
              anomalies.add(Anomalies.withOps(Anomalies.of("unexpected", "set " + set + ": element " + e
                  + " is in the final read on " + read.invoke().node() + " but was never added"), List.of(read)));
            }
          } else if (!ok.contains(e)) {
            recoveredHere.add(e);
          }
        }
      }
      recovered += recoveredHere.size();
    }
    if (attempted.isEmpty()) {
      verdict = Verdict.UNKNOWN;
    }
    if (!anyFinalRead && !attempted.isEmpty()) {
      verdict = Verdict.UNKNOWN;
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("sets", attempted.size());
    stats.put("attempted", attempted.values().stream().mapToLong(TreeSet::size).sum());
    stats.put("acknowledged", acknowledged);
    stats.put("lost", lost);
    stats.put("unexpected", unexpected);
    stats.put("indeterminatePresent", recovered);
    String summary = switch (verdict) {
      case VALID -> acknowledged + " acknowledged adds, all present in the final reads (" + recovered
          + " adds of unknown outcome present too)";
      case INVALID -> lost + " acknowledged adds lost, " + unexpected + " unexpected elements";
      case UNKNOWN -> attempted.isEmpty() ? "no adds in the history" : "a set has a failed or no final read";
    };
    return new CheckResult(name(), verdict, summary, anomalies, stats);
  }
}
