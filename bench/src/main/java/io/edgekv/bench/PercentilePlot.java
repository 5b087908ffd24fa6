package io.edgekv.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * An HdrHistogram percentile distribution as SVG: latency (ms, log scale) over the percentile
 * (log scale of 1/(1-p), so 90 %, 99 %, 99.9 % ... are evenly spaced), one line per system.
 */
final class PercentilePlot {
  private static final int WIDTH = 720;
  private static final int HEIGHT = 420;
  private static final int LEFT = 70;
  private static final int RIGHT = 130;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  /** Up to 99.999 %. */
  private static final double MAX_NINES = 5;
  private static final String[] COLOURS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};

  private PercentilePlot() {}

  /** The points of one line: (nines, ms) where nines = log10(1/(1-p)). */
  static List<double[]> points(Histogram nanos) {
    List<double[]> points = new ArrayList<>();
    if (nanos.getTotalCount() == 0) {
      return points;
    }
    for (HistogramIterationValue v : nanos.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo() / 100.0;
      double nines = p >= 1 ? MAX_NINES : Math.min(MAX_NINES, Math.log10(1 / (1 - p)));
      points.add(new double[] {nines, nanos.highestEquivalentValue(v.getValueIteratedTo()) / 1e6});
      if (nines >= MAX_NINES) {
        break;
      }
    }
    return points;
  }

  /** The SVG document for {@code title} with one line per entry of {@code lines} (system to latencies). */
  static String svg(String title, Map<String, Histogram> lines) {
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    lines.forEach((system, h) -> series.put(system, points(h)));
    double min = series.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).filter(v -> v > 0).min().orElse(0.01);
    double max = series.values().stream().flatMap(List::stream).mapToDouble(p -> p[1]).max().orElse(1);
    double lo = Math.floor(Math.log10(Math.max(min, 0.001)));
    double hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 0.001))));
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
    for (int n = 0; n <= MAX_NINES; n++) {
      double x = x(n);
      svg.append(line(x, TOP, x, HEIGHT - BOTTOM, "#ddd"));
      String label = n == 0 ? "0%" : String.format(Locale.ROOT, "%s%%", trim(100 - 100 / Math.pow(10, n)));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x, HEIGHT - BOTTOM + 18, label));
    }
    for (double e = lo; e <= hi; e++) {
      double y = y(e, lo, hi);
      svg.append(line(LEFT, y, WIDTH - RIGHT, y, "#ddd"));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s ms</text>%n",
          LEFT - 6, y + 4, trim(Math.pow(10, e))));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
        LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - 12));
    int i = 0;
    for (Map.Entry<String, List<double[]>> s : series.entrySet()) {
      String colour = COLOURS[i % COLOURS.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : s.getValue()) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(p[0]), y(Math.log10(Math.max(p[1], Math.pow(10, lo))), lo, hi)));
      }
      svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
          colour, pts.toString().trim()));
      int ly = TOP + 16 + 20 * i;
      svg.append(line(WIDTH - RIGHT + 12, ly - 4, WIDTH - RIGHT + 36, ly - 4, colour));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", WIDTH - RIGHT + 42, ly, escape(s.getKey())));
      i++;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static double x(double nines) {
    return LEFT + nines / MAX_NINES * (WIDTH - LEFT - RIGHT);
  }

  private static double y(double log10Ms, double lo, double hi) {
    return HEIGHT - BOTTOM - (log10Ms - lo) / (hi - lo) * (HEIGHT - TOP - BOTTOM);
  }

  private static String line(double x1, double y1, double x2, double y2, String colour) {
    return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>%n",
        x1, y1, x2, y2, colour, colour.equals("#ddd") ? "1" : "2");
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.4f", v);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
