package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What one checker concluded about a history.
 *
 * @param checker the checker's name
 * @param verdict valid, invalid or unknown
 * @param summary one human-readable line
 * @param anomalies each anomaly with the operations (history indexes) involved; at most a few dozen
 * @param stats counts the checker saw (operations checked, keys, ...)
 */
public record CheckResult(String checker, Verdict verdict, String summary, List<ObjectNode> anomalies,
    Map<String, Object> stats) {

  public CheckResult {
    anomalies = List.copyOf(anomalies);
    stats = Map.copyOf(stats);
  }

  public boolean valid() {
    return verdict == Verdict.VALID;
  }
}
