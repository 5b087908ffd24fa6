package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * No lost acknowledged write (the {@code set} workload), judged over every STRONG read of a set,
 * the reads during the run as well as the final ones (Jepsen's set-full):
 * <ul>
 *   <li><b>lost</b>: an add acknowledged before a read was invoked is missing from it (in a final
 *       read: every acknowledged add);
 *   <li><b>disappeared</b>: an element a read returned is missing from a read invoked after that
 *       one completed;
 *   <li><b>unexpected</b>: an element that was never added; <b>failed-add-present</b>: an element
 *       whose add failed definitely (so must not have happened) is in a read.
 * </ul>
 * Adds of unknown outcome may or may not be present. With several final reads of a set
 * (cross-region: one per node), each of them must hold every acknowledged add. A set without a
 * successful final read is {@link Verdict#UNKNOWN}.
 */
public final class SetChecker implements Checker {
  @Override
  public String name() {
    return "set-no-lost-writes";
  }

  private record Read(Operation op, TreeSet<Long> elements) {}

  @Override
  public CheckResult check(History history) {
    Map<String, Map<Long, Operation>> adds = new TreeMap<>();
    Map<String, List<Read>> readsOf = new TreeMap<>();
    Map<String, List<Operation>> finalReads = new TreeMap<>();
    for (Operation op : history.operations()) {
      if ("add".equals(op.f())) {
        adds.computeIfAbsent(op.key(), k -> new HashMap<>()).put(op.invoke().value().asLong(), op);
      } else if ("read".equals(op.f()) && "STRONG".equals(op.invoke().consistency())) {
        if (op.isFinal()) {
          finalReads.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        if (op.ok()) {
          TreeSet<Long> seen = new TreeSet<>();
          for (JsonNode e : op.completion().value()) {
            seen.add(e.asLong());
          }
          readsOf.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(new Read(op, seen));
        }
      }
    }
    List<ObjectNode> anomalies = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();
    Verdict verdict = Verdict.VALID;
    long acknowledged = 0;
    long recovered = 0;
    long readsChecked = 0;
    for (Map.Entry<String, Map<Long, Operation>> e : adds.entrySet()) {
      String set = e.getKey();
      Map<Long, Operation> byElement = e.getValue();
      List<Operation> acked = byElement.values().stream().filter(Operation::ok)
          .sorted(Comparator.comparingLong(o -> o.completion().timeNanos())).toList();
      acknowledged += acked.size();
      List<Operation> fin = finalReads.getOrDefault(set, List.of());
      if (fin.isEmpty() || fin.stream().anyMatch(r -> !r.ok())) {
        verdict = verdict.and(Verdict.UNKNOWN);
        anomalies.add(Anomalies.of("no-final-read", "set " + set + ": "
            + (fin.isEmpty() ? "no final read" : "a final read failed within its deadline") + ", cannot decide"));
      }
      List<Read> reads = new ArrayList<>(readsOf.getOrDefault(set, List.of()));
      reads.sort(Comparator.comparingLong(r -> r.op().callNanos()));
      TreeSet<Long> presentUnknown = new TreeSet<>();
      for (Read read : reads) {
        readsChecked++;
        long invoked = read.op().callNanos();
        String where = (read.op().isFinal() ? "the final read" : "a read") + " on " + read.op().invoke().node();
        for (Operation add : acked) {
          if (add.completion().timeNanos() >= invoked && !read.op().isFinal()) {
            break;
          }
          long element = add.invoke().value().asLong();
          if (!read.elements().contains(element)) {
            verdict = Verdict.INVALID;
            note(anomalies, counts, "lost", "set " + set + ": element " + element + " was acknowledged before "
                + where + " was invoked but is missing from it", List.of(add, read.op()));
          }
        }
        for (Long element : read.elements()) {
          Operation add = byElement.get(element);
          if (add == null) {
            verdict = Verdict.INVALID;
            note(anomalies, counts, "unexpected", "set " + set + ": element " + element + " is in " + where
                + " but was never added", List.of(read.op()));
          } else if (add.failed()) {
            verdict = Verdict.INVALID;
            note(anomalies, counts, "failed-add-present", "set " + set + ": element " + element + " is in " + where
                + " but its add failed definitely (" + add.completion().error() + ")", List.of(add, read.op()));
          } else if (add.indeterminate()) {
            presentUnknown.add(element);
          }
        }
      }
      // disappeared: present in a read that completed before another read was invoked, missing there
      for (Read later : reads) {
        TreeSet<Long> seenBefore = new TreeSet<>();
        Operation witness = null;
        for (Read earlier : reads) {
          // final reads on several nodes (cross-region) each answer for their own region
          boolean bothFinal = earlier.op().isFinal() && later.op().isFinal();
          if (!bothFinal && earlier.op().completion().timeNanos() < later.op().callNanos()) {
            seenBefore.addAll(earlier.elements());
            witness = earlier.op();
          }
        }
        for (Long element : seenBefore) {
          Operation add = byElement.get(element);
          if (!later.elements().contains(element) && add != null && !add.ok()) {
            // acknowledged adds are already judged above; this catches adds of unknown outcome
            verdict = Verdict.INVALID;
            note(anomalies, counts, "disappeared", "set " + set + ": element " + element + " was read before "
                + "but is missing from a later read on " + later.op().invoke().node(), List.of(witness, later.op()));
          }
        }
      }
      recovered += presentUnknown.size();
    }
    if (adds.isEmpty()) {
      verdict = Verdict.UNKNOWN;
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("sets", adds.size());
    stats.put("attempted", adds.values().stream().mapToLong(Map::size).sum());
    stats.put("acknowledged", acknowledged);
    stats.put("readsChecked", readsChecked);
    stats.put("lost", counts.getOrDefault("lost", 0L));
    stats.put("unexpected", counts.getOrDefault("unexpected", 0L));
    stats.put("anomalies", new LinkedHashMap<>(counts));
    stats.put("indeterminatePresent", recovered);
    String summary = switch (verdict) {
      case VALID -> acknowledged + " acknowledged adds, all present in the " + readsChecked + " reads after them ("
          + recovered + " adds of unknown outcome present too)";
      case INVALID -> "anomalies " + counts;
      case UNKNOWN -> adds.isEmpty() ? "no adds in the history" : "a set has a failed or no final read";
    };
    return new CheckResult(name(), verdict, summary, anomalies, stats);
  }

  private static void note(List<ObjectNode> anomalies, Map<String, Long> counts, String kind, String message,
      List<Operation> ops) {
    counts.merge(kind, 1L, Long::sum);
    if (anomalies.size() < Anomalies.MAX) {
      anomalies.add(Anomalies.withOps(Anomalies.of(kind, message), ops.stream().filter(o -> o != null).toList()));
    }
  }
}
