package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Purge by tag and prefix. A write is <b>covered</b> by a purge of its group when the write was
 * acknowledged before the purge was invoked: after the purge is acknowledged no STRONG read (nor
 * the final scan) may return it (<b>purged-readable</b>). An acknowledged write missing from the
 * final scan must be explained by a purge of its group that could have covered it (any purge not
 * failed and not completed before the write was invoked); else it is a <b>lost-write</b>. A
 * value never written, or whose write failed, is <b>phantom</b>.
 */
public final class PurgeChecker implements Checker {
  @Override
  public String name() {
    return "purge-by-tag-and-prefix";
  }

  @Override
  public CheckResult check(History history) {
    Map<Long, Operation> writes = new HashMap<>();
    List<Operation> purges = new ArrayList<>();
    List<Operation> reads = new ArrayList<>();
    Operation finalScan = null;
    for (Operation op : history.operations()) {
      switch (op.f()) {
        case "write" -> writes.put(op.invoke().value().path("value").asLong(), op);
        case "purge" -> purges.add(op);
        case "read" -> {
          // the workload's reads are STRONG reads of one key; the convergence reads after the
          // run (EVENTUAL, of the whole prefix, one per node) are not the workload's
          if (op.ok() && "STRONG".equals(op.invoke().consistency()) && !op.completion().value().isNull()) {
            reads.add(op);
          }
        }
        case "scan" -> finalScan = op;
        default -> { }
      }
    }
    List<ObjectNode> anomalies = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();
    for (Operation r : reads) {
      judgePresent(writes.get(r.completion().value().asLong()), r, purges, anomalies, counts);
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("writes", writes.size());
    stats.put("purges", purges.size());
    stats.put("purgesAcknowledged", purges.stream().filter(Operation::ok).count());
    stats.put("readsJudged", reads.size());
    if (finalScan == null || !finalScan.ok()) {
      stats.put("anomalies", counts);
      anomalies.add(Anomalies.of("no-final-read", "the final scan failed within its deadline"));
      return new CheckResult(name(), counts.isEmpty() ? Verdict.UNKNOWN : Verdict.INVALID, "no final scan", anomalies,
          stats);
    }
    Set<Long> present = new HashSet<>();
    finalScan.completion().value().forEach(v -> present.add(v.asLong()));
    long purgedAway = 0;
    for (Long value : present) {
      judgePresent(writes.get(value), finalScan, purges, anomalies, counts);
    }
    for (Operation w : writes.values()) {
      if (!w.ok() || present.contains(w.invoke().value().path("value").asLong())) {
        continue;
      }
      int group = w.invoke().value().path("group").asInt();
      boolean explained = purges.stream().anyMatch(p -> !p.failed() && p.invoke().value().path("group").asInt() == group
          && p.returnNanos() > w.callNanos());
      if (explained) {
        purgedAway++;
      } else {
        note(anomalies, counts, "lost-write", w.key() + " was acknowledged, is missing at the end, and no purge of "
            + "its group could have removed it", List.of(w, finalScan));
      }
    }
    stats.put("presentAtEnd", present.size());
    stats.put("purgedAway", purgedAway);
    stats.put("anomalies", new LinkedHashMap<>(counts));
    if (!counts.isEmpty()) {
      return new CheckResult(name(), Verdict.INVALID, "anomalies " + counts, anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, writes.size() + " writes, " + stats.get("purgesAcknowledged")
        + " acknowledged purges: no purged key readable after its purge, " + purgedAway + " writes purged, the other "
        + present.size() + " present", anomalies, stats);
  }

  private static void judgePresent(Operation w, Operation read, List<Operation> purges, List<ObjectNode> anomalies,
      Map<String, Long> counts) {
    if (w == null || w.failed()) {
      note(anomalies, counts, "phantom", "read on " + read.invoke().node() + " returned a value "
          + (w == null ? "never written" : "whose write failed"), w == null ? List.of(read) : List.of(w, read));
      return;
    }
    if (!w.ok()) {
      return; // unknown outcome: its time of effect is unknown
    }
    int group = w.invoke().value().path("group").asInt();
    for (Operation p : purges) {
      if (p.ok() && p.invoke().value().path("group").asInt() == group
          && w.completion().timeNanos() < p.callNanos() && p.completion().timeNanos() < read.callNanos()) {
        note(anomalies, counts, "purged-readable", w.key() + " was written before a purge of its group by "
            + p.invoke().value().path("by").asText() + " and read after that purge was acknowledged",
            List.of(w, p, read));
        return;
      }
    }
  }

  private static void note(List<ObjectNode> anomalies, Map<String, Long> counts, String kind, String message,
      List<Operation> ops) {
    counts.merge(kind, 1L, Long::sum);
    if (anomalies.size() < Anomalies.MAX) {
      anomalies.add(Anomalies.withOps(Anomalies.of(kind, message), ops));
    }
  }
}
