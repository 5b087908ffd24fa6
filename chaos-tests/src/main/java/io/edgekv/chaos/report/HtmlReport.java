package io.edgekv.chaos.report;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.CheckResult;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import io.edgekv.chaos.history.Operation;
import io.edgekv.chaos.run.RunResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * {@code report.html}: verdicts, latency over time per operation (inline SVG, log scale, one dot
 * per operation coloured by outcome, nemesis windows shaded), throughput per second, latency
 * percentiles and the anomalies with their operations. Self-contained: no script, no external file.
 */
public final class HtmlReport {
  private static final int W = 1000;
  private static final int H = 240;
  private static final int LEFT = 50;
  private static final int BOTTOM = 25;

  private HtmlReport() {}

  /** A shaded fault window, in seconds from the start of the history. */
  record Window(double from, double to, String label) {}

  public static void write(Path file, RunResult result, History history) {
    try {
      Files.writeString(file, render(result, history));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String render(RunResult result, History history) {
    List<Operation> ops = history.operations();
    double end = history.ops().isEmpty() ? 1 : history.ops().getLast().timeNanos() / 1e9;
    List<Window> windows = windows(history, end);
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>chaos run ").append(Html.esc(result.spec().id()))
        .append("</title>").append(Html.STYLE).append("</head><body>");
    h.append("<p><a href=\"../index.html\">all runs</a></p>");
    h.append("<h1>").append(Html.esc(result.spec().id())).append(": <span class=\"")
        .append(result.passed() ? "pass" : "fail").append("\">").append(Html.esc(result.outcome())).append("</span></h1>");
    h.append("<table>");
    row(h, "workload", result.spec().workload().key());
    row(h, "nemesis", result.spec().nemesis().key());
    row(h, "fault time / recovery", result.spec().faultSeconds() + " s / " + result.spec().recoverySeconds() + " s");
    row(h, "seed", result.spec().seed());
    row(h, "replay", "./mvnw -Pchaos verify -pl chaos-tests " + result.spec().replay());
    if (!result.spec().unsafeSwitches().isEmpty()) {
      row(h, "unsafe switches (self-test)", String.join(", ", result.spec().unsafeSwitches())
          + " — expected anomaly from " + result.spec().expectInvalid());
    }
    row(h, "operations", result.operations());
    row(h, "duration", String.format(Locale.ROOT, "%.0f s (cluster start, faults, recovery, final reads, checks)", result.seconds()));
    h.append("</table>");

    h.append("<h2>Verdicts</h2><table><tr><th>checker</th><th>verdict</th><th>summary</th></tr>");
    for (CheckResult r : result.results()) {
      String v = r.verdict().name().toLowerCase(Locale.ROOT);
      h.append("<tr><td>").append(Html.esc(r.checker())).append("</td><td class=\"").append(v).append("\">").append(v)
          .append("</td><td>").append(Html.esc(r.summary())).append("</td></tr>");
    }
    h.append("</table>");

    h.append("<h2>Latency over time</h2><div class=\"legend\"><span style=\"color:#2a8a2a\">● ok</span>"
        + "<span style=\"color:#c03030\">● fail</span><span style=\"color:#e08a00\">● info (unknown, drawn at its"
        + " deadline or the top)</span><span style=\"background:#f3c9c9\">&nbsp;fault window&nbsp;</span></div>");
    Map<String, List<Operation>> byF = new TreeMap<>();
    for (Operation o : ops) {
      byF.computeIfAbsent(o.f(), f -> new ArrayList<>()).add(o);
    }
    for (Map.Entry<String, List<Operation>> e : byF.entrySet()) {
      h.append("<h3>").append(Html.esc(e.getKey())).append("</h3>");
      latencyChart(h, e.getValue(), windows, end);
    }
    h.append("<h2>Throughput (completions per second)</h2>");
    throughputChart(h, ops, windows, end);
    h.append("<h2>Latency percentiles</h2><table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th>"
        + "<th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr>");
    for (Map.Entry<String, List<Operation>> e : byF.entrySet()) {
      Histogram hist = new Histogram(3);
      int ok = 0;
      int fail = 0;
      int info = 0;
      for (Operation o : e.getValue()) {
        if (o.ok()) {
          ok++;
          hist.recordValue(Math.max(1, (o.completion().timeNanos() - o.callNanos()) / 1000));
        } else if (o.failed()) {
          fail++;
        } else {
          info++;
        }
      }
      h.append("<tr><td>").append(Html.esc(e.getKey())).append("</td><td>").append(ok).append("</td><td>").append(fail)
          .append("</td><td>").append(info).append("</td><td>").append(ms(hist.getValueAtPercentile(50)))
          .append("</td><td>").append(ms(hist.getValueAtPercentile(99))).append("</td><td>").append(ms(hist.getMaxValue()))
          .append("</td></tr>");
    }
    h.append("</table>");
    h.append("<h2>Fault windows</h2><table><tr><th>from s</th><th>to s</th><th>faults</th></tr>");
    for (Window w : windows) {
      h.append(String.format(Locale.ROOT, "<tr><td>%.1f</td><td>%.1f</td><td>%s</td></tr>", w.from, w.to, Html.esc(w.label)));
    }
    h.append("</table>");
    h.append("<h2>Anomalies</h2>");
    boolean any = false;
    for (CheckResult r : result.results()) {
      for (ObjectNode a : r.anomalies()) {
        any = true;
        h.append("<h3>").append(Html.esc(r.checker())).append(": ").append(Html.esc(a.path("kind").asText()))
            .append("</h3><p>").append(Html.esc(a.path("message").asText())).append("</p><pre>");
        try {
          h.append(Html.esc(History.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(a.get("ops"))));
        } catch (IOException ex) {
          h.append(Html.esc(a.get("ops")));
        }
        h.append("</pre>");
      }
    }
    if (!any) {
      h.append("<p>none</p>");
    }
    h.append("<p>The full history is <a href=\"history.jsonl\">history.jsonl</a>; the verdicts as data are in"
        + " <a href=\"results.json\">results.json</a>.</p></body></html>\n");
    return h.toString();
  }

  private static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
  }

  private static void row(StringBuilder h, String k, Object v) {
    h.append("<tr><th>").append(Html.esc(k)).append("</th><td>").append(Html.esc(v)).append("</td></tr>");
  }

  /** Pairs nemesis start events with the next stop or heal (other events, such as host-clock, are not windows). */
  static List<Window> windows(History history, double end) {
    List<Window> out = new ArrayList<>();
    Op open = null;
    for (Op op : history.nemesisEvents()) {
      if ("start".equals(op.f())) {
        open = op;
      } else if (open != null && ("stop".equals(op.f()) || "heal".equals(op.f()))) {
        out.add(new Window(open.timeNanos() / 1e9, op.timeNanos() / 1e9, label(open)));
        open = null;
      }
    }
    if (open != null) {
      out.add(new Window(open.timeNanos() / 1e9, end, label(open)));
    }
    return out;
  }

  private static String label(Op start) {
    List<String> parts = new ArrayList<>();
    start.value().forEach(f -> {
      String node = f.has("resolved") ? f.get("resolved").asText() : f.path("node").asText(null);
      String s = f.path("fault").asText();
      if ("bridge".equals(s)) {
        s += " " + f.path("a").asText() + "|" + f.path("c").asText() + " via " + f.path("bridge").asText();
      } else if (node != null) {
        s += " " + node;
      }
      if (f.has("offsetMs")) {
        s += " " + f.get("offsetMs").asLong() + "ms";
      }
      parts.add(s);
    });
    return String.join(" + ", parts);
  }

  private static double x(double seconds, double end) {
    return LEFT + (W - LEFT - 10) * seconds / Math.max(end, 1e-9);
  }

  private static void frame(StringBuilder h, List<Window> windows, double end) {
    for (Window w : windows) {
      double x0 = x(w.from, end);
      double x1 = x(w.to, end);
      h.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"#f3c9c9\" opacity=\"0.6\">"
          + "<title>%s</title></rect>", x0, Math.max(1, x1 - x0), H - BOTTOM, Html.esc(w.label)));
    }
    h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", LEFT, H - BOTTOM, W - 10, H - BOTTOM));
    int step = end > 120 ? 20 : end > 40 ? 10 : 5;
    for (int s = 0; s <= end; s += step) {
      double xx = x(s, end);
      h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%ds</text>", xx, H - 8, s));
    }
  }

  private static void latencyChart(StringBuilder h, List<Operation> ops, List<Window> windows, double end) {
    // log scale from 0.1 ms to 10 s
    double minLog = Math.log10(0.1);
    double maxLog = Math.log10(10_000);
    h.append("<svg width=\"").append(W).append("\" height=\"").append(H).append("\" xmlns=\"http://www.w3.org/2000/svg\">");
    frame(h, windows, end);
    for (double ms : new double[] {1, 10, 100, 1000, 10000}) {
      double y = (H - BOTTOM) * (1 - (Math.log10(ms) - minLog) / (maxLog - minLog));
      h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"2\" y=\"%.1f\" font-size=\"10\">%s</text>", LEFT, y, W - 10, y, y + 3, ms >= 1000 ? (int) (ms / 1000) + "s" : (int) ms + "ms"));
    }
    for (Operation o : ops) {
      double t = o.callNanos() / 1e9;
      double latencyMs = o.completion() == null ? 10_000 : (o.completion().timeNanos() - o.callNanos()) / 1e6;
      double lg = Math.min(maxLog, Math.max(minLog, Math.log10(Math.max(latencyMs, 0.1))));
      double y = (H - BOTTOM) * (1 - (lg - minLog) / (maxLog - minLog));
      String color = o.ok() ? "#2a8a2a" : o.failed() ? "#c03030" : "#e08a00";
      h.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"%s\" opacity=\"0.6\"/>", x(t, end), y, color));
    }
    h.append("</svg>");
  }

  private static void throughputChart(StringBuilder h, List<Operation> ops, List<Window> windows, double end) {
    int buckets = (int) Math.ceil(end) + 1;
    int[] ok = new int[buckets];
    int[] bad = new int[buckets];
    for (Operation o : ops) {
      if (o.completion() == null) {
        continue;
      }
      int b = (int) (o.completion().timeNanos() / 1_000_000_000L);
      if (b < buckets) {
        if (o.ok()) {
          ok[b]++;
        } else {
          bad[b]++;
        }
      }
    }
    int max = 1;
    for (int i = 0; i < buckets; i++) {
      max = Math.max(max, Math.max(ok[i], bad[i]));
    }
    h.append("<svg width=\"").append(W).append("\" height=\"").append(H).append("\" xmlns=\"http://www.w3.org/2000/svg\">");
    frame(h, windows, end);
    h.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"12\" font-size=\"10\">%d/s</text>", max));
    for (int[] series : new int[][] {ok, bad}) {
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < buckets; i++) {
        double y = (H - BOTTOM) * (1 - series[i] / (double) max);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(i + 0.5, end), y));
      }
      h.append("<polyline fill=\"none\" stroke=\"").append(series == ok ? "#2a8a2a" : "#c03030")
          .append("\" stroke-width=\"1.5\" points=\"").append(pts).append("\"/>");
    }
    h.append("</svg><div class=\"legend\"><span style=\"color:#2a8a2a\">— ok</span><span style=\"color:#c03030\">— fail or info</span></div>");
  }
}
