package io.edgekv.chaos.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** {@code index.html} of the output directory: one row per run that has a {@code results.json}. */
public final class IndexPage {
  private IndexPage() {}

  private static String switches(JsonNode r) {
    StringBuilder out = new StringBuilder();
    r.path("unsafeSwitches").forEach(s -> out.append(out.isEmpty() ? "" : ",").append(s.asText()));
    return out.toString();
  }

  public static void write(Path outputDir) {
    List<Path> runs;
    try (Stream<Path> dirs = Files.list(outputDir)) {
      runs = dirs.filter(d -> Files.isRegularFile(d.resolve("results.json"))).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>EdgeKV chaos runs</title>")
        .append(Html.STYLE).append("</head><body><h1>EdgeKV chaos runs</h1><table><tr><th>run</th><th>workload</th>"
            + "<th>nemesis</th><th>seed</th><th>outcome</th><th>checkers</th><th>ops</th><th>seconds</th></tr>");
    for (Path run : runs) {
      JsonNode r = ResultsJson.read(run.resolve("results.json"));
      String name = run.getFileName().toString();
      StringBuilder checkers = new StringBuilder();
      for (JsonNode c : r.path("checkers")) {
        checkers.append(Html.esc(c.path("checker").asText())).append(": <span class=\"").append(c.path("verdict").asText())
            .append("\">").append(c.path("verdict").asText()).append("</span><br>");
      }
      h.append("<tr><td><a href=\"").append(Html.esc(name)).append("/report.html\">").append(Html.esc(name))
          .append("</a></td><td>").append(Html.esc(r.path("workload").asText())).append("</td><td>")
          .append(Html.esc(r.path("nemesis").asText())).append(r.path("selfTest").asBoolean() ? " (self-test: "
              + Html.esc(switches(r)) + ")" : "")
          .append("</td><td>").append(r.path("seed").asLong()).append("</td><td class=\"")
          .append(r.path("passed").asBoolean() ? "pass" : "fail").append("\">").append(Html.esc(r.path("outcome").asText()))
          .append("</td><td>").append(checkers).append("</td><td>").append(r.path("operations").asInt())
          .append("</td><td>").append(r.path("seconds").asDouble()).append("</td></tr>");
    }
    h.append("</table></body></html>\n");
    try {
      Files.writeString(outputDir.resolve("index.html"), h.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
