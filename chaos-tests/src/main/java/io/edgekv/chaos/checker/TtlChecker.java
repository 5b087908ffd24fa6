package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.HostClock;
import io.edgekv.chaos.history.Op;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * TTL expiry under clock skew. Each key is written once, with a TTL {@code d}; its expiry falls
 * between the write's invocation + d and its acknowledgement + d, give or take a tolerance of the
 * configured maximum clock offset, the largest clock skew the nemesis injected in the run (read
 * from the history's nemesis events), how far the host's own wall clock stepped during the run
 * ({@link HostClock}: every node shares it, and the history is timed on the monotonic clock), and
 * {@value #SLACK_MS} ms (libfaketime re-reads its offset once a second). A read invoked after ack + d + tolerance that still returns the value is an
 * <b>expired-read</b>; a read that completed before invocation + d - tolerance and misses a write
 * acknowledged before it was invoked is an <b>early-expiry</b> (or a lost write); a failed write
 * present is <b>failed-write-present</b>. The final scan is judged like a read of every key.
 * Every term of the tolerance is reported.
 */
public final class TtlChecker implements Checker {
  static final long SLACK_MS = 1_500;
  private final long maxClockOffsetMillis;

  public TtlChecker(long maxClockOffsetMillis) {
    this.maxClockOffsetMillis = maxClockOffsetMillis;
  }

  @Override
  public String name() {
    return "ttl-expiry";
  }

  /** The largest absolute clock offset any nemesis event of the history set. */
  static long injectedSkewMillis(History history) {
    long max = 0;
    for (Op op : history.nemesisEvents()) {
      for (JsonNode f : op.value()) {
        if (f.has("offsetMs")) {
          max = Math.max(max, Math.abs(f.get("offsetMs").asLong()));
        }
      }
    }
    return max;
  }

  @Override
  public CheckResult check(History history) {
    long skew = injectedSkewMillis(history);
    long host = HostClock.rangeMillis(history);
    long tolerance = TimeUnit.MILLISECONDS.toNanos(maxClockOffsetMillis + skew + host + SLACK_MS);
    Map<Long, Operation> writes = new HashMap<>();
    List<Operation> reads = new ArrayList<>();
    Operation finalScan = null;
    for (Operation op : history.operations()) {
      switch (op.f()) {
        case "write" -> writes.put(op.invoke().value().path("value").asLong(), op);
        case "read" -> {
          // the workload's reads are STRONG reads of one numbered key; the convergence reads
          // after the run (EVENTUAL, of the whole prefix, one per node) are not the workload's
          if (op.ok() && "STRONG".equals(op.invoke().consistency())) {
            reads.add(op);
          }
        }
        case "scan" -> finalScan = op;
        default -> { }
      }
    }
    List<ObjectNode> anomalies = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();
    long judged = 0;
    for (Operation r : reads) {
      Operation w = writes.get(Long.parseLong(r.key().substring(r.key().lastIndexOf('/') + 1)));
      judged++;
      judge(w, r, !r.completion().value().isNull(), tolerance, anomalies, counts);
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("writes", writes.size());
    stats.put("readsJudged", judged);
    stats.put("maxClockOffsetMs", maxClockOffsetMillis);
    stats.put("injectedSkewMs", skew);
    stats.put("hostClockStepMs", host);
    stats.put("toleranceMs", TimeUnit.NANOSECONDS.toMillis(tolerance));
    if (finalScan == null || !finalScan.ok()) {
      stats.put("anomalies", counts);
      anomalies.add(Anomalies.of("no-final-read", "the final scan failed within its deadline"));
      return new CheckResult(name(), counts.isEmpty() ? Verdict.UNKNOWN : Verdict.INVALID, "no final scan", anomalies,
          stats);
    }
    Set<Long> present = new HashSet<>();
    finalScan.completion().value().forEach(v -> present.add(v.asLong()));
    for (Operation w : writes.values()) {
      judge(w, finalScan, present.contains(w.invoke().value().path("value").asLong()), tolerance, anomalies, counts);
    }
    stats.put("presentAtEnd", present.size());
    stats.put("anomalies", new LinkedHashMap<>(counts));
    if (!counts.isEmpty()) {
      return new CheckResult(name(), Verdict.INVALID, "anomalies " + counts + " (tolerance "
          + stats.get("toleranceMs") + " ms: " + terms(skew, host) + ")", anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, writes.size() + " keys with TTLs, " + judged + " reads and the final "
        + "scan within expiry +- " + stats.get("toleranceMs") + " ms (" + terms(skew, host) + ")", anomalies, stats);
  }

  private String terms(long skew, long host) {
    return "max clock offset " + maxClockOffsetMillis + " ms + injected skew " + skew + " ms"
        + (host > 0 ? " + host clock step " + host + " ms" : "") + " + " + SLACK_MS + " ms";
  }

  private static void judge(Operation w, Operation r, boolean present, long tolerance, List<ObjectNode> anomalies,
      Map<String, Long> counts) {
    if (w == null) {
      if (present) {
        note(anomalies, counts, "phantom", "read of " + r.key() + " returned a value never written", List.of(r));
      }
      return;
    }
    long ttl = TimeUnit.MILLISECONDS.toNanos(w.invoke().value().path("ttlMs").asLong());
    String key = w.key();
    if (present) {
      if (w.failed()) {
        note(anomalies, counts, "failed-write-present", key + " is present but its write failed definitely",
            List.of(w, r));
      } else if (w.ok() && r.callNanos() > w.completion().timeNanos() + ttl + tolerance) {
        note(anomalies, counts, "expired-read", key + " read " + TimeUnit.NANOSECONDS.toMillis(
            r.callNanos() - w.completion().timeNanos() - ttl) + " ms after it expired at the latest", List.of(w, r));
      }
    } else if (w.ok() && w.completion().timeNanos() < r.callNanos()
        && r.returnNanos() < w.callNanos() + ttl - tolerance) {
      note(anomalies, counts, "early-expiry", key + " missing " + TimeUnit.NANOSECONDS.toMillis(
          w.callNanos() + ttl - r.returnNanos()) + " ms before it could expire", List.of(w, r));
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
