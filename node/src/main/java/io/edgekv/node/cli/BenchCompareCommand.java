package io.edgekv.node.cli;

import io.grpc.Status;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgekv bench compare}: EdgeKV side by side with Redis and etcd in one run. The harness
 * and the anchor clients live in the {@code bench/} module, out of the server jar: this command
 * checks the options and runs the harness ({@code io.edgekv.bench.CompareMain}) in a JVM of its
 * own, on {@code bench/target/edgekv-bench.jar} plus this jar, and answers with its exit code.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"EdgeKV, Redis and etcd side by side: the same closed-loop workloads through Java clients,"
        + " each system in processes of its own on loopback ports B..B+499; installs redis-server and etcd-server"
        + " with apt-get when missing.",
        "Prints one line per measurement (--json: one object each), the ratio table, and a last line of"
        + " EdgeKV/anchor throughput ratios; writes HdrHistogram percentile plots (SVG) to --out."})
public final class BenchCompareCommand implements Callable<Integer> {
  static final String HARNESS = "io.edgekv.bench.CompareMain";

  @Option(names = "--rounds", defaultValue = "3", description = "Rounds, each on fresh servers (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--base-port", defaultValue = "21000",
      description = "Ports B..B+499: EdgeKV B..B+399, Redis B+400, etcd B+410..B+422 (default ${DEFAULT-VALUE}).")
  int basePort;

  @Option(names = "--warmup", defaultValue = "10s", converter = DurationConverter.class,
      description = "Unmeasured load before each measurement (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--duration", defaultValue = "15s", converter = DurationConverter.class,
      description = "Measured time of each measurement (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--keys", defaultValue = "100000", description = "Key space (default ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--value-sizes", defaultValue = "100,1024", split = ",", paramLabel = "BYTES",
      description = "Value sizes; 100 B names carry no suffix, 1 KiB ones '-1k' (default ${DEFAULT-VALUE}).")
  List<Integer> valueSizes;

  @Option(names = "--workloads", split = ",", paramLabel = "NAME",
      description = "Only these workloads (e.g. get-local-c64,put-durable-c64); default all.")
  List<String> workloads;

  @Option(names = "--out", defaultValue = "target/bench-compare", paramLabel = "DIR",
      description = "Where plots, results.json and logs go (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--no-coalesce",
      description = "Send each EdgeKV get alone instead of coalescing concurrent gets into BatchGet calls.")
  boolean noCoalesce;

  @Option(names = "--profile", description = "Record a JFR profile of each EdgeKV node into DIR/logs/round-N/.")
  boolean profile;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CliOutput cli = EdgeKvCommand.root(spec).output();
    String problem = problem();
    if (problem != null) {
      cli.error("USAGE", problem);
      return ExitCodes.USAGE;
    }
    Path nodeJar = nodeJar();
    Path root = nodeJar.getParent().getParent();
    Path benchJar = root.resolve("bench/target/edgekv-bench.jar");
    Path anchorLib = root.resolve("bench/target/anchor-lib");
    if (!Files.isRegularFile(benchJar) || !Files.isDirectory(anchorLib)) {
      cli.error("FAILED_PRECONDITION", "bench compare needs " + benchJar + " and " + anchorLib
          + " (the ./edgekv launcher builds them; or run ./mvnw -pl bench -am package)");
      return ExitCodes.forStatus(Status.Code.FAILED_PRECONDITION);
    }
    Process harness = new ProcessBuilder(command(nodeJar, benchJar, anchorLib)).inheritIO().start();
    return harness.waitFor();
  }

  /** What is wrong with the options, or null. */
  String problem() {
    if (rounds < 1 || rounds > 100) {
      return "--rounds must be between 1 and 100, got " + rounds;
    }
    if (basePort < 1024 || basePort > 65036) {
      return "--base-port must be between 1024 and 65036 (it uses B..B+499), got " + basePort;
    }
    if (warmup.compareTo(Duration.ofHours(1)) > 0 || duration.toMillis() < 100 || duration.compareTo(Duration.ofHours(1)) > 0) {
      return "--warmup must be at most 1h and --duration between 100ms and 1h";
    }
    if (keys < 1 || keys > 10_000_000) {
      return "--keys must be between 1 and 10000000, got " + keys;
    }
    if (valueSizes.isEmpty() || valueSizes.stream().anyMatch(v -> v < 1 || v > KvPutCommand.MAX_VALUE_BYTES)) {
      return "--value-sizes must be between 1 and " + KvPutCommand.MAX_VALUE_BYTES + " bytes, got " + valueSizes;
    }
    return null;
  }

  private List<String> command(Path nodeJar, Path benchJar, Path anchorLib) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-Xmx512m");
    command.add("-Dedgekv.jar=" + nodeJar);
    command.add("-Dedgekv.bench.jar=" + benchJar);
    command.add("-Dedgekv.bench.lib=" + anchorLib);
    command.add("-cp");
    command.add(benchJar + File.pathSeparator + nodeJar);
    command.add(HARNESS);
    command.addAll(List.of("--rounds", String.valueOf(rounds), "--base-port", String.valueOf(basePort),
        "--warmup-ms", String.valueOf(warmup.toMillis()), "--duration-ms", String.valueOf(duration.toMillis()),
        "--keys", String.valueOf(keys), "--out", out.toString(),
        "--value-sizes", String.join(",", valueSizes.stream().map(String::valueOf).toList())));
    if (workloads != null && !workloads.isEmpty()) {
      command.addAll(List.of("--workloads", String.join(",", workloads)));
    }
    if (EdgeKvCommand.root(spec).global().json()) {
      command.add("--json");
    }
    if (noCoalesce) {
      command.add("--no-coalesce");
    }
    if (profile) {
      command.add("--profile");
    }
    return command;
  }

  /** The jar this command runs from (target/edgekv.jar when started by the launcher). */
  private static Path nodeJar() throws URISyntaxException {
    return Path.of(BenchCompareCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
  }
}
