package io.edgekv.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * {@code edgekv bench compare}: EdgeKV, Redis and etcd side by side in one run. Each round starts
 * the three systems afresh (each in processes of its own on loopback ports B..B+499), preloads
 * the key space for each value size, then runs every workload on EdgeKV and on its anchor one
 * after the other (the order alternates between rounds), each measurement in a load generator
 * process of its own. Prints one line per measurement (a JSON object with {@code --json}), the
 * ratio table, and last the ratios; writes the percentile plots and all rows to the output
 * directory. Started by the node's {@code BenchCompareCommand}, which validated the options.
 */
public final class CompareMain {
  /** Redis on B+400, etcd's clients on B+410.., its peers on B+420..; EdgeKV uses B..B+399. */
  static final int REDIS_OFFSET = 400;
  static final int ETCD_CLIENT_OFFSET = 410;
  static final int ETCD_PEER_OFFSET = 420;

  private final CompareOptions options;
  private final Launcher launcher;
  private final Path redisBinary;
  private final Path etcdBinary;
  private final Path work;
  private final LoadRunner runner;
  private final List<Measurement> measurements = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  private CompareMain(CompareOptions options, Launcher launcher, Path redisBinary, Path etcdBinary, Path work,
      long clockTicks) {
    this.options = options;
    this.launcher = launcher;
    this.redisBinary = redisBinary;
    this.etcdBinary = etcdBinary;
    this.work = work;
    this.runner = new LoadRunner(launcher, options, clockTicks, options.out().resolve("logs"));
  }

  public static void main(String[] args) throws Exception {
    CompareOptions options;
    try {
      options = CompareOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: USAGE: " + e.getMessage());
      System.exit(2);
      return;
    }
    int code;
    try {
      code = run(options);
    } catch (IllegalStateException | IOException e) {
      System.err.println("error: UNAVAILABLE: bench compare: " + e.getMessage());
      code = 1;
    }
    System.exit(code);
  }

  private static int run(CompareOptions options) throws IOException, InterruptedException {
    Launcher launcher = Launcher.fromSystemProperties();
    Path redis = Packages.ensure("redis-server", "redis-server");
    Path etcd = Packages.ensure("etcd", "etcd-server");
    Files.createDirectories(options.out());
    Path work = Files.createTempDirectory("edgekv-bench-");
    try {
      CompareMain compare = new CompareMain(options, launcher, redis, etcd, work, clockTicksPerSecond());
      return compare.runRounds();
    } finally {
      deleteTree(work);
    }
  }

  private int runRounds() throws IOException, InterruptedException {
    for (int round = 1; round <= options.rounds(); round++) {
      runRound(round);
    }
    Summary summary = new Summary(measurements);
    if (options.json()) {
      summary.table().forEach(System.err::println);
    } else {
      summary.table().forEach(System.out::println);
    }
    writePlots(summary);
    Map<String, Object> ratios = new LinkedHashMap<>();
    ratios.put("ratios", summary.ratios());
    Files.writeString(options.out().resolve("results.json"), rowsJson(ratios));
    System.err.println("bench compare: plots and results.json in " + options.out().toAbsolutePath());
    if (options.json()) {
      System.out.println(json.writeValueAsString(ratios));
    } else {
      System.out.println("ratios (EdgeKV / anchor throughput, medians of " + options.rounds() + " round(s)): "
          + summary.ratios());
    }
    System.out.flush();
    return 0;
  }

  private void runRound(int round) throws IOException, InterruptedException {
    Path dir = work.resolve("round-" + round);
    Path logs = options.out().resolve("logs").resolve("round-" + round);
    Files.createDirectories(logs);
    int b = options.basePort();
    progress("round " + round + "/" + options.rounds() + ": starting EdgeKV (3 nodes), Redis, etcd (3 members)");
    try (EdgeKvRegion edgekv = EdgeKvRegion.start(launcher, b, dir.resolve("edgekv"), logs, options.profile(),
        options.dataSetBytes());
         RedisServer redis = RedisServer.start(redisBinary, b + REDIS_OFFSET, dir.resolve("redis"), logs);
         EtcdCluster etcd = EtcdCluster.start(etcdBinary, b + ETCD_CLIENT_OFFSET, b + ETCD_PEER_OFFSET,
             dir.resolve("etcd"), logs)) {
      Map<String, SystemUnderTest> systems = Map.of("edgekv", edgekv, "redis", redis, "etcd", etcd);
      for (int valueBytes : options.valueSizes()) {
        for (SystemUnderTest s : List.of(edgekv, redis, etcd)) {
          progress("round " + round + ": preloading " + options.keys() + " keys of " + valueBytes + " B into " + s.name());
          runner.preload(s, valueBytes);
        }
        for (Workload w : Workload.standard(valueBytes)) {
          if (!options.selects(w)) {
            continue;
          }
          List<SystemUnderTest> order = new ArrayList<>(List.of(edgekv, systems.get(w.kind().anchor())));
          if (round % 2 == 0) {
            order = order.reversed();
          }
          for (SystemUnderTest s : order) {
            progress("round " + round + ": " + w.name() + " on " + s.name());
            Measurement m = runner.measure(s, w, round);
            measurements.add(m);
            report(m);
          }
        }
      }
    }
    if (options.profile()) {
      summarizeProfiles(round, logs);
    }
  }

  /** The nodes stopped, so their recordings are written: summarize them into profile-round-N.txt. */
  private void summarizeProfiles(int round, Path logs) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < EdgeKvRegion.NODES; i++) {
      Path jfr = logs.resolve("edgekv-node-" + i + ".jfr");
      if (Files.exists(jfr)) {
        lines.addAll(ProfileSummary.summarize(jfr));
      } else {
        lines.add(jfr + ": no recording (did the node stop cleanly?)");
      }
    }
    Path summary = options.out().resolve("profile-round-" + round + ".txt");
    Files.write(summary, lines);
    progress("profiles of round " + round + " summarized in " + summary + " (folded stacks beside each .jfr)");
  }

  private void report(Measurement m) throws IOException {
    if (options.json()) {
      System.out.println(json.writeValueAsString(m.json()));
      System.out.flush();
    }
    String line = String.format(Locale.ROOT, "  %s %s: %.0f ops/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
            + " %.0f us CPU/op%s", m.system(), m.workload().name(), m.opsPerSec(), m.percentileMs(50),
        m.percentileMs(99), m.percentileMs(99.9), m.cpuUsPerOp(),
        m.isResult() ? "" : " -- NOT A RESULT: " + m.notAResultBecause());
    progress(line);
  }

  private void writePlots(Summary summary) throws IOException {
    for (Workload w : summary.workloads()) {
      Map<String, Histogram> lines = new LinkedHashMap<>();
      lines.put("edgekv", summary.mergedLatency("edgekv", w.name()));
      lines.put(w.kind().anchor(), summary.mergedLatency(w.kind().anchor(), w.name()));
      Files.writeString(options.out().resolve(w.name() + ".svg"),
          PercentilePlot.svg(w.name() + ": latency by percentile (" + options.rounds() + " round(s) merged)", lines));
    }
  }

  private String rowsJson(Map<String, Object> ratios) throws IOException {
    StringBuilder out = new StringBuilder();
    for (Measurement m : measurements) {
      out.append(json.writeValueAsString(m.json())).append('\n');
    }
    return out.append(json.writeValueAsString(ratios)).append('\n').toString();
  }

  private static void progress(String line) {
    System.err.println("bench compare: " + line);
    System.err.flush();
  }

  private static long clockTicksPerSecond() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (p.waitFor() != 0 || !out.matches("\\d+")) {
      throw new IllegalStateException("getconf CLK_TCK failed: " + out);
    }
    return Long.parseLong(out);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
