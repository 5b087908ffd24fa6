package io.edgekv.sim;

import java.util.Locale;
import java.util.Map;

/**
 * The HTML report of one run: the verdicts, the figures, and plots drawn as inline SVG (no
 * scripts, no external files): the distribution of propagation delays, replication traffic by
 * kind over time (anti-entropy after the long partition shows there), and tombstones per PoP
 * over time.
 */
public final class SimReport {
  private static final int WIDTH = 720;
  private static final int HEIGHT = 220;
  private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};

  private SimReport() {}

  public static String html(SimResult r, String replay) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>EdgeKV simulation, seed ").append(r.seed())
        .append("</title><style>body{font-family:sans-serif;max-width:780px;margin:2em auto}"
            + "td{padding:2px 10px}.invalid{color:#c00;font-weight:bold}.valid{color:#080}</style></head><body>");
    b.append("<h1>Simulation of cross-region replication, seed ").append(r.seed()).append("</h1>");
    b.append("<p>").append(r.pops()).append(" PoPs in ").append(r.regions()).append(" regions; ")
        .append(fmt(r.simulatedSeconds())).append(" s simulated in ").append(fmt(r.wallSeconds()))
        .append(" s. Replay: <code>").append(escape(replay)).append("</code><br>Trace digest <code>")
        .append(r.digest()).append("</code></p>");
    b.append("<h2>Checkers</h2><table>");
    r.checkers().forEach((name, verdict) -> b.append("<tr><td>").append(name).append("</td><td class=\"")
        .append(verdict).append("\">").append(verdict).append("</td></tr>"));
    b.append("</table>");
    for (String f : r.failures()) {
      b.append("<p class=\"invalid\">").append(escape(f)).append("</p>");
    }
    b.append("<h2>Figures</h2><table>");
    row(b, "writes committed / acknowledged", r.committed() + " / " + r.acked());
    row(b, "propagation to every region p50 / p99 / max", fmt(r.propagationP50Ms()) + " / "
        + fmt(r.propagationP99Ms()) + " / " + fmt(r.propagationMaxMs()) + " ms");
    row(b, "bytes sent per write / ((regions-1) x payload)", String.format(Locale.ROOT, "%.3f", r.bytesPerWriteRatio()));
    row(b, "replication bytes / ideal", r.replicationBytes() + " / " + r.idealBytes());
    r.bytesByKind().forEach((kind, bytes) -> row(b, "&nbsp;&nbsp;" + kind, bytes + " bytes in "
        + r.messagesByKind().get(kind) + " messages"));
    row(b, "anti-entropy after the long partition" + (r.longPartitionRegion().isEmpty() ? ""
        : " of " + r.longPartitionRegion()), r.antiEntropyAfterPartitionBytes() + " bytes");
    row(b, "converged after heal", fmt(r.convergedAfterHealSeconds()) + " s");
    row(b, "faults", r.partitions() + " partitions, " + r.crashes() + " crashes, " + r.clockJumps()
        + " clock jumps, " + r.clockRefusals() + " batches refused for clock skew");
    b.append("</table>");
    b.append("<h2>Propagation delay (commit to last region), cumulative</h2>");
    b.append(cdf(r.propagation()));
    b.append("<h2>Bytes sent between regions per 10 s</h2>");
    b.append(lines(r.trafficSeries(), Traffic.BUCKET_MILLIS / 1000.0, "s", "bytes"));
    b.append("<h2>Tombstones per PoP (mean)</h2>");
    long[] times = r.tombstones().stream().mapToLong(s -> s[0]).toArray();
    long[] counts = r.tombstones().stream().mapToLong(s -> s[1]).toArray();
    b.append(lines(Map.of("tombstones", counts), times.length > 1 ? (times[1] - times[0]) / 1000.0 : 10, "s", "count"));
    return b.append("</body></html>").toString();
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append("<tr><td>").append(name).append("</td><td>").append(value).append("</td></tr>");
  }

  private static String cdf(long[] sorted) {
    StringBuilder svg = frame();
    if (sorted.length > 0) {
      double max = Math.max(1, sorted[sorted.length - 1]);
      StringBuilder points = new StringBuilder();
      int step = Math.max(1, sorted.length / 400);
      for (int i = 0; i < sorted.length; i += step) {
        points.append(x(sorted[i] / max)).append(',').append(y((i + 1.0) / sorted.length)).append(' ');
      }
      points.append(x(1)).append(',').append(y(1));
      svg.append("<polyline fill=\"none\" stroke=\"").append(COLOURS[0]).append("\" points=\"").append(points)
          .append("\"/>");
      axisLabels(svg, fmt(max) + " ms", "100%");
    }
    return svg.append("</svg>").toString();
  }

  private static String lines(Map<String, long[]> series, double stepSeconds, String xUnit, String yUnit) {
    StringBuilder svg = frame();
    long max = 1;
    int length = 1;
    for (long[] s : series.values()) {
      for (long v : s) {
        max = Math.max(max, v);
      }
      length = Math.max(length, s.length);
    }
    int colour = 0;
    int legend = 0;
    for (Map.Entry<String, long[]> e : series.entrySet()) {
      long[] s = e.getValue();
      if (s.length == 0) {
        continue;
      }
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < s.length; i++) {
        points.append(x(length == 1 ? 0 : (double) i / (length - 1))).append(',').append(y((double) s[i] / max))
            .append(' ');
      }
      String c = COLOURS[colour++ % COLOURS.length];
      svg.append("<polyline fill=\"none\" stroke=\"").append(c).append("\" points=\"").append(points).append("\"/>");
      svg.append("<text x=\"").append(60 + legend * 120).append("\" y=\"14\" fill=\"").append(c)
          .append("\" font-size=\"12\">").append(e.getKey()).append("</text>");
      legend++;
    }
    axisLabels(svg, fmt((length - 1) * stepSeconds) + " " + xUnit, max + " " + yUnit);
    return svg.append("</svg>").toString();
  }

  private static StringBuilder frame() {
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
        .append(HEIGHT + 30).append("\"><rect x=\"50\" y=\"20\" width=\"").append(WIDTH - 60).append("\" height=\"")
        .append(HEIGHT - 20).append("\" fill=\"none\" stroke=\"#999\"/>");
    return svg;
  }

  private static void axisLabels(StringBuilder svg, String xMax, String yMax) {
    svg.append("<text x=\"50\" y=\"").append(HEIGHT + 15).append("\" font-size=\"11\">0</text>");
    svg.append("<text x=\"").append(WIDTH - 10).append("\" y=\"").append(HEIGHT + 15)
        .append("\" font-size=\"11\" text-anchor=\"end\">").append(xMax).append("</text>");
    svg.append("<text x=\"46\" y=\"30\" font-size=\"11\" text-anchor=\"end\">").append(yMax).append("</text>");
  }

  private static String x(double fraction) {
    return String.format(Locale.ROOT, "%.1f", 50 + fraction * (WIDTH - 60));
  }

  private static String y(double fraction) {
    return String.format(Locale.ROOT, "%.1f", HEIGHT - fraction * (HEIGHT - 20));
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
