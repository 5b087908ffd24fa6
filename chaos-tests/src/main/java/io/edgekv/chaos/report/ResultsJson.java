package io.edgekv.chaos.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.CheckResult;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.nemesis.NemesisRunner;
import io.edgekv.chaos.nemesis.Schedule;
import io.edgekv.chaos.run.RunResult;
import io.edgekv.chaos.run.RunSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code results.json}: what ran, the verdict of every checker and the anomalies with their operations. */
public final class ResultsJson {
  private ResultsJson() {}

  public static ObjectNode toJson(RunResult result, Schedule schedule) {
    RunSpec spec = result.spec();
    ObjectNode o = History.JSON.createObjectNode();
    o.put("run", spec.id());
    o.put("workload", spec.workload().key());
    o.put("nemesis", spec.nemesis().key());
    o.put("faultSeconds", spec.faultSeconds());
    o.put("recoverySeconds", spec.recoverySeconds());
    o.put("seed", spec.seed());
    o.put("replay", spec.replay());
    ArrayNode unsafe = o.putArray("unsafeSwitches");
    spec.unsafeSwitches().forEach(unsafe::add);
    o.put("selfTest", spec.selfTest());
    if (spec.selfTest()) {
      o.put("expectInvalid", spec.expectInvalid());
    }
    o.put("verdict", result.verdict().name().toLowerCase(Locale.ROOT));
    o.put("outcome", result.outcome());
    o.put("passed", result.passed());
    o.put("seconds", Math.round(result.seconds() * 10) / 10.0);
    o.put("operations", result.operations());
    result.opsPerNode().forEach(o.putObject("opsPerNode")::put);
    o.set("schedule", schedule == null ? History.JSON.createArrayNode() : NemesisRunner.describe(schedule));
    ArrayNode checkers = o.putArray("checkers");
    for (CheckResult r : result.results()) {
      ObjectNode c = checkers.addObject();
      c.put("checker", r.checker());
      c.put("verdict", r.verdict().name().toLowerCase(Locale.ROOT));
      c.put("summary", r.summary());
      c.set("stats", History.JSON.valueToTree(r.stats()));
      ArrayNode anomalies = c.putArray("anomalies");
      r.anomalies().forEach(anomalies::add);
    }
    return o;
  }

  public static void write(Path file, RunResult result, Schedule schedule) {
    try {
      Files.writeString(file, History.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(toJson(result, schedule)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode read(Path file) {
    try {
      return History.JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
