package io.edgekv.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * One system on one workload in one round: throughput of successful calls, their latency
 * percentiles, and the servers' CPU per successful call. A measurement with any failed call
 * (shed calls, {@code RESOURCE_EXHAUSTED}, included) or no call at all is reported but is not a
 * result: {@link #isResult()} is false and it enters no ratio.
 */
public record Measurement(String system, Workload workload, int round, long ops, double seconds,
    double cpuSeconds, long misses, Map<String, Long> errors, Histogram latencyNanos) {

  public Measurement {
    errors = new TreeMap<>(errors);
  }

  public double opsPerSec() {
    return seconds <= 0 ? 0 : ops / seconds;
  }

  /** Milliseconds at {@code percentile} (0-100), or NaN without samples. */
  public double percentileMs(double percentile) {
    return latencyNanos.getTotalCount() == 0 ? Double.NaN : latencyNanos.getValueAtPercentile(percentile) / 1e6;
  }

  /** Server CPU microseconds per successful call, or NaN without calls. */
  public double cpuUsPerOp() {
    return ops == 0 ? Double.NaN : cpuSeconds * 1e6 / ops;
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Whether this measurement counts: calls succeeded, none failed. */
  public boolean isResult() {
    return ops > 0 && errors.isEmpty();
  }

  /** Why this measurement is not a result, or null if it is one. */
  public String notAResultBecause() {
    if (!errors.isEmpty()) {
      return errorCount() + " failed calls " + errors;
    }
    return ops == 0 ? "no call succeeded" : null;
  }

  /** The row {@code --json} prints. */
  public Map<String, Object> json() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("system", system);
    row.put("workload", workload.name());
    row.put("valueBytes", workload.valueBytes());
    row.put("inFlight", workload.inFlight());
    row.put("round", round);
    row.put("opsPerSec", round(opsPerSec(), 1));
    row.put("p50Ms", round(percentileMs(50), 3));
    row.put("p99Ms", round(percentileMs(99), 3));
    row.put("p999Ms", round(percentileMs(99.9), 3));
    row.put("cpuUsPerOp", round(cpuUsPerOp(), 1));
    row.put("ops", ops);
    row.put("misses", misses);
    row.put("errors", errors);
    row.put("result", isResult());
    return row;
  }

  /** {@code value} to {@code digits} decimals; null for NaN (JSON has no NaN). */
  static Double round(double value, int digits) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return null;
    }
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }
}
