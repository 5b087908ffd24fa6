package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import io.edgekv.client.Version;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Cross-region last-writer-wins (the {@code lww} workload). Values are unique, so a value read
 * names the write it came from. Per key, with the final reads ({@code "final": true},
 * {@code EVENTUAL}, one per node of every region):
 * <ul>
 *   <li><b>converged</b>: every node returns the same value and version (a miss on all of them
 *       counts as the same);
 *   <li><b>winner</b>: the final value was written (no phantom), with the version its
 *       acknowledgement reported (if acknowledged); its version is the greatest of the
 *       acknowledged writes' and deletes' versions or greater (a write of unknown outcome may
 *       win with an unknown, greater version);
 *   <li><b>no lost acknowledged write</b>: a final version below the greatest acknowledged version
 *       is an acknowledged write lost, or, if that greatest one is a delete, a key
 *       <b>resurrected</b> by an older write; a final miss where the greatest acknowledged
 *       operation is a write is a lost write, unless a delete of unknown outcome (whose version
 *       is unknown) could have won.
 * </ul>
 * Reads during the run must return written values with their acknowledged versions (no phantom).
 * A key whose final read failed on some node is {@link Verdict#UNKNOWN}.
 */
public final class LwwChecker implements Checker {
  @Override
  public String name() {
    return "lww";
  }

  private record Acked(Version version, Operation op) {}

  @Override
  public CheckResult check(History history) {
    Map<String, Map<String, Operation>> writesByValue = new TreeMap<>();
    Map<String, Acked> maxAcked = new TreeMap<>();
    Map<String, Integer> unknownDeletes = new HashMap<>();
    Map<String, List<Operation>> finals = new TreeMap<>();
    List<Operation> reads = new ArrayList<>();
    long ackedWrites = 0;
    long ackedDeletes = 0;
    long indeterminate = 0;
    for (Operation op : history.operations()) {
      if (op.key() == null || op.key().endsWith("/")) {
        continue; // prefix reads are the convergence checker's
      }
      switch (op.f()) {
        case "write" -> {
          String v = op.invoke().value().path("value").asText();
          writesByValue.computeIfAbsent(op.key(), k -> new HashMap<>()).put(v, op);
          if (op.ok()) {
            ackedWrites++;
            bump(maxAcked, op.key(), Version.parse(op.completion().value().path("version").asText()), op);
          } else if (op.indeterminate()) {
            indeterminate++;
          }
        }
        case "delete" -> {
          if (op.ok()) {
            ackedDeletes++;
            JsonNode version = op.completion().value().path("version");
            if (version.isTextual()) {
              bump(maxAcked, op.key(), Version.parse(version.asText()), op);
            }
          } else if (op.indeterminate()) {
            indeterminate++;
            unknownDeletes.merge(op.key(), 1, Integer::sum);
          }
        }
        case "read" -> {
          if (op.isFinal()) {
            finals.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
          } else if (op.ok()) {
            reads.add(op);
          }
        }
        default -> { }
      }
    }
    List<ObjectNode> anomalies = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();
    Verdict verdict = Verdict.VALID;
    // reads during the run: no phantom values, versions as acknowledged
    for (Operation r : reads) {
      String problem = sourceProblem(r, writesByValue.getOrDefault(r.key(), Map.of()));
      if (problem != null) {
        verdict = Verdict.INVALID;
        add(anomalies, counts, "phantom-read", "key " + r.key() + ": " + problem, List.of(r));
      } else if (r.completion().value().path("version").isTextual()) {
        // a version a read observed (maybe of a write of unknown outcome) must not be lost either:
        // the final version must be at least the highest any read saw
        bump(maxAcked, r.key(), Version.parse(r.completion().value().path("version").asText()), r);
      }
    }
    int keys = 0;
    long winnersAcked = 0;
    long winnersUnknown = 0;
    long deletedAtEnd = 0;
    for (Map.Entry<String, List<Operation>> e : finals.entrySet()) {
      String key = e.getKey();
      List<Operation> fin = e.getValue();
      keys++;
      List<Operation> failed = fin.stream().filter(o -> !o.ok()).toList();
      if (!failed.isEmpty()) {
        verdict = verdict.and(Verdict.UNKNOWN);
        add(anomalies, counts, "unreadable", "key " + key + ": final read failed on "
            + failed.stream().map(o -> o.invoke().node()).toList() + ", cannot decide", failed);
        continue;
      }
      // convergence per key
      Operation first = fin.getFirst();
      boolean same = fin.stream().allMatch(o -> Objects.equals(state(o), state(first)));
      if (!same) {
        verdict = Verdict.INVALID;
        StringBuilder msg = new StringBuilder("key " + key + " differs between nodes after heal:");
        fin.forEach(o -> msg.append(' ').append(o.invoke().node()).append('=').append(state(o)));
        add(anomalies, counts, "diverged", msg.toString(), fin);
      }
      Acked best = maxAcked.get(key);
      Map<String, Operation> writes = writesByValue.getOrDefault(key, Map.of());
      // judge each distinct final state (one, if converged)
      Map<String, Operation> distinct = new LinkedHashMap<>();
      fin.forEach(o -> distinct.putIfAbsent(state(o), o));
      for (Operation read : distinct.values()) {
        JsonNode v = read.completion().value();
        if (v.path("value").isTextual()) {
          String problem = sourceProblem(read, writes);
          if (problem != null) {
            verdict = Verdict.INVALID;
            add(anomalies, counts, "phantom-final", "key " + key + ": " + problem, List.of(read));
            continue;
          }
          Version version = Version.parse(v.path("version").asText());
          Operation source = writes.get(v.path("value").asText());
          if (best != null && version.compareTo(best.version()) < 0) {
            verdict = Verdict.INVALID;
            boolean deleted = "delete".equals(best.op().f());
            add(anomalies, counts, deleted ? "resurrected" : "lost-write", "key " + key + " on "
                + read.invoke().node() + " ends with " + v.path("value").asText() + "@" + version
                + (deleted ? ", but a delete with the greater version " + best.version() + " was acknowledged"
                    : ", but " + describe(best) + " with the greater version " + best.version()),
                List.of(source, best.op(), read));
          } else if (source.ok()) {
            winnersAcked++;
          } else {
            winnersUnknown++;
          }
        } else {
          deletedAtEnd++;
          if (best != null && !"delete".equals(best.op().f())) {
            if (unknownDeletes.getOrDefault(key, 0) > 0) {
              winnersUnknown++;
            } else {
              verdict = Verdict.INVALID;
              add(anomalies, counts, "lost-write", "key " + key + " is missing on " + read.invoke().node()
                  + ", but the greatest version " + best.version() + " is " + describe(best)
                  + " and no delete of unknown outcome could have superseded it", List.of(best.op(), read));
            }
          }
        }
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("keys", keys);
    stats.put("acknowledgedWrites", ackedWrites);
    stats.put("acknowledgedDeletes", ackedDeletes);
    stats.put("indeterminate", indeterminate);
    stats.put("readsChecked", reads.size());
    stats.put("winnersAcknowledged", winnersAcked);
    stats.put("winnersOfUnknownOutcome", winnersUnknown);
    stats.put("deletedAtEnd", deletedAtEnd);
    stats.put("anomalies", new LinkedHashMap<>(counts));
    if (finals.isEmpty() || ackedWrites == 0) {
      String why = finals.isEmpty() ? "no final reads in the history" : "no acknowledged write in the history";
      anomalies.add(Anomalies.of("undecidable", why));
      return new CheckResult(name(), Verdict.UNKNOWN.and(verdict), why, anomalies, stats);
    }
    String summary = switch (verdict) {
      case VALID -> keys + " keys converged on every node to the LWW winner (" + winnersAcked
          + " acknowledged writes, " + winnersUnknown + " of unknown outcome, " + deletedAtEnd + " deleted); "
          + ackedWrites + " acknowledged writes, " + ackedDeletes + " deletes, " + reads.size() + " reads checked";
      case INVALID -> "anomalies " + counts;
      case UNKNOWN -> "a key could not be read on every node at the end " + counts;
    };
    return new CheckResult(name(), verdict, summary, anomalies, stats);
  }

  /** The operation that set a key's required final version: an acknowledged write, or a read that observed one. */
  private static String describe(Acked best) {
    Operation op = best.op();
    return "read".equals(op.f())
        ? "a read on " + op.completion().node() + " observed " + op.completion().value().path("value").asText()
        : "an acknowledged write of " + op.invoke().value().path("value").asText();
  }

  private static void bump(Map<String, Acked> max, String key, Version version, Operation op) {
    Acked cur = max.get(key);
    if (cur == null || version.compareTo(cur.version()) > 0) {
      max.put(key, new Acked(version, op));
    }
  }

  /** value@version of a successful read, {@code "-"} for a miss. */
  private static String state(Operation read) {
    JsonNode v = read.completion().value();
    return v.path("value").isTextual() ? v.path("value").asText() + "@" + v.path("version").asText() : "-";
  }

  /** Why a read's value cannot be what it is (never written, or another version than acknowledged); null if fine. */
  private static String sourceProblem(Operation read, Map<String, Operation> writes) {
    JsonNode v = read.completion().value();
    if (!v.path("value").isTextual()) {
      return null;
    }
    String value = v.path("value").asText();
    Operation source = writes.get(value);
    if (source == null || source.failed()) {
      return "read " + value + " on " + read.completion().node() + ", which was "
          + (source == null ? "never written" : "a failed write");
    }
    if (source.ok()) {
      String acked = source.completion().value().path("version").asText();
      if (!acked.equals(v.path("version").asText())) {
        return "read " + value + "@" + v.path("version").asText() + " on " + read.completion().node()
            + ", but the write was acknowledged with version " + acked;
      }
    }
    return null;
  }

  private static void add(List<ObjectNode> anomalies, Map<String, Long> counts, String kind, String message,
      List<Operation> ops) {
    counts.merge(kind, 1L, Long::sum);
    if (anomalies.size() < Anomalies.MAX) {
      anomalies.add(Anomalies.withOps(Anomalies.of(kind, message), ops.stream().filter(Objects::nonNull).toList()));
    }
  }
}
