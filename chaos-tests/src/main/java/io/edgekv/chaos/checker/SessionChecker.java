package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Comparator;

/**
 * Session guarantees of {@code SESSION} reads (the {@code session} workload), per logical
 * process, which carries one session token through all its operations on any node:
 * <ul>
 *   <li>read-your-writes: a read of a key returns the process's latest acknowledged write to it,
 *       or a later value;
 *   <li>monotonic reads: a read of a key never returns an older value than an earlier read of
 *       the same process did.
 * </ul>
 * The workload makes values comparable: each key has one writer at a time, which writes
 * strictly increasing integers and abandons the key when an outcome is unknown, so a larger
 * value is a later write. Absent (null) is older than any value.
 */
public final class SessionChecker implements Checker {
  @Override
  public String name() {
    return "session-guarantees";
  }

  @Override
  public CheckResult check(History history) {
    Map<Integer, Map<String, Operation>> lastWrite = new HashMap<>();
    Map<Integer, Map<String, Operation>> lastRead = new HashMap<>();
    List<ObjectNode> anomalies = new ArrayList<>();
    long reads = 0;
    long ryw = 0;
    long monotonic = 0;
    // in completion order: a process has one operation at a time, so this is its program order
    List<Operation> ops = new ArrayList<>(history.operations());
    ops.sort(Comparator.comparingLong(Operation::returnNanos));
    for (Operation op : ops) {
      if (!op.ok()) {
        continue;
      }
      int p = op.process();
      if ("write".equals(op.f())) {
        lastWrite.computeIfAbsent(p, x -> new HashMap<>()).put(op.key(), op);
      } else if ("read".equals(op.f()) && "SESSION".equals(op.invoke().consistency())) {
        reads++;
        Long got = value(op.completion().value());
        Operation w = lastWrite.getOrDefault(p, Map.of()).get(op.key());
        if (w != null && older(got, value(w.invoke().value()))) {
          ryw++;
          add(anomalies, "read-your-writes", "process " + p + " wrote " + w.invoke().value() + " to " + op.key()
              + " (acknowledged) and then read " + got, List.of(w, op));
        }
        Operation r = lastRead.getOrDefault(p, Map.of()).get(op.key());
        if (r != null && older(got, value(r.completion().value()))) {
          monotonic++;
          add(anomalies, "monotonic-reads", "process " + p + " read " + r.completion().value() + " from " + op.key()
              + " and later read the older " + got, List.of(r, op));
        }
        if (r == null || !older(got, value(r.completion().value()))) {
          lastRead.computeIfAbsent(p, x -> new HashMap<>()).put(op.key(), op);
        }
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("sessionReads", reads);
    stats.put("readYourWritesViolations", ryw);
    stats.put("monotonicReadViolations", monotonic);
    if (reads == 0) {
      return new CheckResult(name(), Verdict.UNKNOWN, "no successful SESSION reads to check", anomalies, stats);
    }
    if (ryw + monotonic > 0) {
      return new CheckResult(name(), Verdict.INVALID, ryw + " read-your-writes and " + monotonic
          + " monotonic-read violations in " + reads + " session reads", anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, reads + " session reads: read-your-writes and monotonic reads hold",
        anomalies, stats);
  }

  private static void add(List<ObjectNode> anomalies, String kind, String message, List<Operation> ops) {
    if (anomalies.size() < Anomalies.MAX) {
      anomalies.add(Anomalies.withOps(Anomalies.of(kind, message), ops));
    }
  }

  private static Long value(JsonNode v) {
    return v == null || v.isNull() ? null : v.asLong();
  }

  /** Whether {@code got} is older than {@code than}; null (absent) is older than any value. */
  private static boolean older(Long got, Long than) {
    if (than == null) {
      return false;
    }
    return got == null || got < than;
  }
}
