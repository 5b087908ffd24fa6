package io.edgekv.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** Runs {@link LoadMain} in a JVM of its own per preload and per measurement, and reads its answer. */
final class LoadRunner {
  private static final long PRELOAD_TIMEOUT_SECONDS = 15 * 60;

  private final Launcher launcher;
  private final CompareOptions options;
  private final long clockTicks;
  private final Path logs;
  private final ObjectMapper json = new ObjectMapper();

  LoadRunner(Launcher launcher, CompareOptions options, long clockTicks, Path logs) {
    this.launcher = launcher;
    this.options = options;
    this.clockTicks = clockTicks;
    this.logs = logs;
  }

  void preload(SystemUnderTest s, int valueBytes) throws IOException, InterruptedException {
    run(s, List.of("--preload"), valueBytes, "preload-" + s.name() + "-" + valueBytes, PRELOAD_TIMEOUT_SECONDS);
  }

  Measurement measure(SystemUnderTest s, Workload w, int round) throws IOException, InterruptedException {
    List<String> args = List.of("--workload", w.kind().label(), "--in-flight", String.valueOf(w.inFlight()),
        "--warmup-ms", String.valueOf(options.warmupMillis()), "--duration-ms", String.valueOf(options.durationMillis()),
        "--pids", s.pids().stream().map(String::valueOf).collect(Collectors.joining(",")),
        "--coalesce", String.valueOf(options.coalesce()));
    long timeout = (options.warmupMillis() + options.durationMillis()) / 1000 + 120;
    JsonNode out = run(s, args, w.valueBytes(), "load-" + s.name() + "-" + w.name() + "-r" + round, timeout);
    return measurement(s.name(), w, round, out, clockTicks);
  }

  /** A measurement from the load generator's answer; {@code clockTicks} converts the CPU ticks to seconds. */
  static Measurement measurement(String system, Workload w, int round, JsonNode out, long clockTicks) {
    Map<String, Long> errors = new TreeMap<>();
    out.path("errors").properties().forEach(e -> errors.put(e.getKey(), e.getValue().asLong()));
    byte[] compressed = Base64.getDecoder().decode(out.path("histogram").asText());
    Histogram h;
    try {
      h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(compressed), ClosedLoop.MAX_LATENCY_NANOS);
    } catch (DataFormatException e) {
      throw new IllegalStateException("the load generator sent an unreadable histogram", e);
    }
    return new Measurement(system, w, round, out.path("ops").asLong(), out.path("elapsedNanos").asLong() / 1e9,
        out.path("cpuTicks").asDouble() / clockTicks, out.path("misses").asLong(), errors, h);
  }

  private JsonNode run(SystemUnderTest s, List<String> extra, int valueBytes, String logName, long timeoutSeconds)
      throws IOException, InterruptedException {
    Path log = logs.resolve(logName + ".log");
    List<String> args = new ArrayList<>();
    if (options.profile() && !extra.contains("--preload")) {
      // the load generator's own profile (the client's side of each call), beside the nodes'
      args.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + logs.resolve(logName + ".jfr"));
    }
    args.addAll(List.of("-cp", launcher.loadClassPath(s.anchor()), LoadMain.class.getName(),
        "--system", s.name(), "--endpoint", s.endpoint(), "--keys", String.valueOf(options.keys()),
        "--value-bytes", String.valueOf(valueBytes)));
    args.addAll(extra);
    Files.createDirectories(logs);
    Process p = new ProcessBuilder(launcher.java(args, "1g")).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    byte[] stdout = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(logName + " did not finish within " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(logName + " failed (exit " + p.exitValue() + "): " + Processes.tail(log));
    }
    String text = new String(stdout, StandardCharsets.UTF_8).trim();
    String last = text.substring(text.lastIndexOf('\n') + 1);
    return json.readTree(last);
  }
}
