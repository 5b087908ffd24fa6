package io.edgekv.node.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * How the latency benchmarks ({@code bench propagation}, {@code bench purge}) print a histogram
 * recorded in microseconds: as milliseconds, p50/p90/p99/p99.9/max, one line or a JSON object.
 */
final class LatencyReport {
  private LatencyReport() {}

  /** {@code {"count", "p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs"}}; the figures are null without samples. */
  static Map<String, Object> json(Histogram micros) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", micros.getTotalCount());
    for (double p : new double[] {50, 90, 99, 99.9}) {
      out.put("p" + (p == 99.9 ? "999" : String.valueOf((int) p)) + "Ms", micros.getTotalCount() == 0 ? null
          : Math.round(micros.getValueAtPercentile(p) / 10.0) / 100.0);
    }
    out.put("maxMs", micros.getTotalCount() == 0 ? null : Math.round(micros.getMaxValue() / 10.0) / 100.0);
    return out;
  }

  /** One aligned line: the label padded to {@code labelWidth}, the count to {@code countWidth}. */
  static String line(String label, Histogram micros, int labelWidth, int countWidth) {
    if (micros.getTotalCount() == 0) {
      return String.format(Locale.ROOT, "  %-" + labelWidth + "s no samples", label);
    }
    return String.format(Locale.ROOT, "  %-" + labelWidth + "s n=%-" + countWidth
            + "d p50=%7.2fms p90=%7.2fms p99=%7.2fms p99.9=%7.2fms max=%7.2fms",
        label, micros.getTotalCount(), micros.getValueAtPercentile(50) / 1000.0,
        micros.getValueAtPercentile(90) / 1000.0, micros.getValueAtPercentile(99) / 1000.0,
        micros.getValueAtPercentile(99.9) / 1000.0, micros.getMaxValue() / 1000.0);
  }
}
