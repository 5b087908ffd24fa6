package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Convergence after heal: the final {@code EVENTUAL} reads that each node answered about its own
 * replica (one per node, value: an object of key to {@code "value@version"}) agree on every key.
 * A node that could not be read at the end makes the verdict {@link Verdict#UNKNOWN}.
 *
 * <p>The views are the final {@code EVENTUAL} reads of a key prefix (a key ending in {@code /});
 * per-key final reads (the {@code lww} workload's) are its own checker's. On a regional cluster
 * this compares the replicas of one region; on several regions, every node of every region,
 * i.e. cross-region replication converged to the same {@code value@version} everywhere (which
 * version must win is {@link LwwChecker}'s question).
 */
public final class ConvergenceChecker implements Checker {
  @Override
  public String name() {
    return "convergence";
  }

  @Override
  public CheckResult check(History history) {
    Map<String, Operation> lastPerNode = new TreeMap<>();
    for (Operation op : history.operations()) {
      if ("read".equals(op.f()) && op.isFinal() && "EVENTUAL".equals(op.invoke().consistency())
          && op.key() != null && op.key().endsWith("/")) {
        lastPerNode.put(op.invoke().node(), op);
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("nodes", lastPerNode.size());
    List<ObjectNode> anomalies = new ArrayList<>();
    List<String> unreadable = lastPerNode.entrySet().stream().filter(e -> !e.getValue().ok()).map(Map.Entry::getKey).toList();
    if (lastPerNode.size() < 2 || !unreadable.isEmpty()) {
      String why = lastPerNode.size() < 2 ? "fewer than 2 nodes were read at the end"
          : "nodes " + unreadable + " could not be read after heal";
      anomalies.add(Anomalies.of("unreadable", why));
      return new CheckResult(name(), Verdict.UNKNOWN, why, anomalies, stats);
    }
    TreeSet<String> keys = new TreeSet<>();
    Map<String, Map<String, String>> views = new TreeMap<>();
    for (Map.Entry<String, Operation> e : lastPerNode.entrySet()) {
      Map<String, String> view = new TreeMap<>();
      JsonNode value = e.getValue().completion().value();
      for (Map.Entry<String, JsonNode> kv : value.properties()) {
        view.put(kv.getKey(), kv.getValue().asText());
      }
      keys.addAll(view.keySet());
      views.put(e.getKey(), view);
    }
    int diverged = 0;
    for (String key : keys) {
      String first = null;
      boolean same = true;
      boolean initialized = false;
      for (Map<String, String> view : views.values()) {
        String v = view.get(key);
        if (!initialized) {
          first = v;
          initialized = true;
        } else if (!Objects.equals(first, v)) {
          same = false;
        }
      }
      if (!same) {
        diverged++;
        if (anomalies.size() < Anomalies.MAX) {
          StringBuilder msg = new StringBuilder("key " + key + " differs between nodes after heal:");
          views.forEach((node, view) -> msg.append(' ').append(node).append('=').append(view.get(key)));
          ObjectNode a = Anomalies.of("diverged", msg.toString());
          a.put("key", key);
          anomalies.add(a);
        }
      }
    }
    stats.put("keys", keys.size());
    stats.put("diverged", diverged);
    if (diverged > 0) {
      return new CheckResult(name(), Verdict.INVALID, diverged + " of " + keys.size() + " keys differ between nodes after heal",
          anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, lastPerNode.size() + " nodes agree on all " + keys.size() + " keys",
        anomalies, stats);
  }
}
