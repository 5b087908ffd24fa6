package io.edgekv.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The rounds folded into one figure per system and workload (the median of the rounds'
 * results; measurements that are not results are left out) and the ratio of EdgeKV over its
 * anchor's throughput per workload.
 */
public final class Summary {
  private final List<Measurement> measurements;

  public Summary(List<Measurement> measurements) {
    this.measurements = List.copyOf(measurements);
  }

  /** The median of {@code values}; the mean of the middle two for an even count; NaN when empty. */
  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int mid = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
  }

  /** The median over the rounds of {@code metric} for the results of {@code system} on {@code workload}. */
  public double median(String system, String workload, ToDoubleFunction<Measurement> metric) {
    return median(results(system, workload).stream().map(metric::applyAsDouble).toList());
  }

  private List<Measurement> results(String system, String workload) {
    return measurements.stream()
        .filter(m -> m.system().equals(system) && m.workload().name().equals(workload) && m.isResult()).toList();
  }

  /** The workloads measured, in the order they were first measured. */
  public List<Workload> workloads() {
    Map<String, Workload> seen = new LinkedHashMap<>();
    measurements.forEach(m -> seen.putIfAbsent(m.workload().name(), m.workload()));
    return List.copyOf(seen.values());
  }

  /**
   * EdgeKV's median throughput over its anchor's, per workload; a workload where either side
   * has no result is left out.
   */
  public Map<String, Double> ratios() {
    Map<String, Double> ratios = new LinkedHashMap<>();
    for (Workload w : workloads()) {
      ratio(w).ifPresent(r -> ratios.put(w.name(), Measurement.round(r, 3)));
    }
    return ratios;
  }

  private Optional<Double> ratio(Workload w) {
    double edgekv = median("edgekv", w.name(), Measurement::opsPerSec);
    double anchor = median(w.kind().anchor(), w.name(), Measurement::opsPerSec);
    return Double.isNaN(edgekv) || Double.isNaN(anchor) || anchor == 0 ? Optional.empty() : Optional.of(edgekv / anchor);
  }

  /** Every round's latencies of {@code system} on {@code workload} (results only), merged. */
  public Histogram mergedLatency(String system, String workload) {
    Histogram merged = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    results(system, workload).forEach(m -> merged.add(m.latencyNanos()));
    return merged;
  }

  /** The ratio table: one line per workload, EdgeKV and anchor medians side by side. */
  public List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-24s %-6s %10s %8s %8s %9s %8s   %-6s %10s %8s %8s %9s %8s %7s",
        "workload", "system", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "CPU us", "anchor", "ops/s", "p50 ms",
        "p99 ms", "p99.9 ms", "CPU us", "ratio"));
    for (Workload w : workloads()) {
      String anchor = w.kind().anchor();
      Optional<Double> ratio = ratio(w);
      lines.add(String.format(Locale.ROOT, "%-24s %-6s %s   %-6s %s %7s", w.name(), "edgekv",
          figures("edgekv", w.name()), anchor, figures(anchor, w.name()),
          ratio.map(r -> String.format(Locale.ROOT, "%.2fx", r)).orElse("-")));
    }
    measurements.stream().filter(m -> !m.isResult()).sorted(Comparator.comparing(Measurement::round))
        .forEach(m -> lines.add(String.format(Locale.ROOT, "not a result: %s %s round %d: %s", m.system(),
            m.workload().name(), m.round(), m.notAResultBecause())));
    return lines;
  }

  private String figures(String system, String workload) {
    return String.format(Locale.ROOT, "%10s %8s %8s %9s %8s",
        fmt(median(system, workload, Measurement::opsPerSec), 0), fmt(median(system, workload, m -> m.percentileMs(50)), 2),
        fmt(median(system, workload, m -> m.percentileMs(99)), 2),
        fmt(median(system, workload, m -> m.percentileMs(99.9)), 2), fmt(median(system, workload, Measurement::cpuUsPerOp), 0));
  }

  private static String fmt(double value, int digits) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", value);
  }
}
