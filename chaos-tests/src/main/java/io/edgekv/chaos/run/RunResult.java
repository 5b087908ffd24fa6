package io.edgekv.chaos.run;

import io.edgekv.chaos.checker.CheckResult;
import io.edgekv.chaos.checker.Verdict;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of one run.
 *
 * @param spec what ran
 * @param dir where its history, results and report are
 * @param results one per checker
 * @param seconds wall-clock duration of the whole run, cluster start included
 * @param operations client operations in the history
 * @param opsPerNode completed (ok) client operations per node that served them
 */
public record RunResult(RunSpec spec, Path dir, List<CheckResult> results, double seconds, int operations,
    Map<String, Long> opsPerNode) {

  public RunResult(RunSpec spec, Path dir, List<CheckResult> results, double seconds, int operations) {
    this(spec, dir, results, seconds, operations, Map.of());
  }

  /** The combined verdict of all checkers. */
  public Verdict verdict() {
    Verdict v = Verdict.VALID;
    for (CheckResult r : results) {
      v = v.and(r.verdict());
    }
    return v;
  }

  /** Whether the run is what it should be: all valid, or for a self-test, its anomaly caught. */
  public boolean passed() {
    if (!spec.selfTest()) {
      return verdict() == Verdict.VALID;
    }
    return results.stream().anyMatch(r -> r.checker().equals(spec.expectInvalid()) && r.verdict() == Verdict.INVALID);
  }

  public String outcome() {
    if (spec.selfTest()) {
      return passed() ? "anomaly caught" : "anomaly NOT caught";
    }
    return verdict().name().toLowerCase(Locale.ROOT);
  }
}
