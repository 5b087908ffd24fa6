package io.edgekv.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgekv.node.bench.PropagationBench;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv bench propagation}: cross-region propagation delay, from a write's
 * acknowledgement in one region to its visibility on nodes of other regions.
 */
@Command(name = "propagation", mixinStandardHelpOptions = true,
    description = "Cross-region propagation: time from a write's acknowledgement to its visibility elsewhere.")
public final class BenchPropagationCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "HOST:PORT", description = "Node that takes the writes.")
  String from;

  @Option(names = "--to", required = true, split = ",", paramLabel = "HOST:PORT",
      description = "Nodes (of other regions) that must see each write, comma-separated; each is watched, and "
          + "each arrival confirmed with an EVENTUAL read.")
  List<String> to;

  @Option(names = "--writes", defaultValue = "1000", description = "Writes to measure (default ${DEFAULT-VALUE}).")
  int writes;

  @Option(names = "--warmup", defaultValue = "100",
      description = "Writes made first and not measured, so the JIT has compiled the paths (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--value-size", defaultValue = "128", description = "Value size in bytes (default ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(names = "--max-duration", defaultValue = "10m", converter = DurationConverter.class,
      description = "Stop after this long at the latest (default ${DEFAULT-VALUE}).")
  Duration maxDuration;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    GlobalOptions global = EdgeKvCommand.root(spec).global();
    String namespace = global.namespace();
    boolean json = global.json();
    if (writes < 1 || writes > 1_000_000 || warmup < 0 || warmup > 100_000
        || valueSize < 1 || valueSize > (1 << 20)) {
      System.err.println(
          "error: USAGE: --writes must be 1..1000000, --warmup 0..100000 and --value-size 1..1048576");
      return ExitCodes.USAGE;
    }
    PropagationBench.Result result;
    try (PropagationBench bench = new PropagationBench(from, to, namespace,
        global.credentials(spec, EdgeKvCommand.root(spec).env()), valueSize, Duration.ofSeconds(10))) {
      bench.connect(Duration.ofSeconds(30));
      result = bench.run(warmup, writes, maxDuration);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("from", from);
    out.put("to", to);
    out.put("writes", result.writes());
    out.put("timeouts", result.timeouts());
    out.put("unconfirmed", result.unconfirmed());
    out.put("resets", result.resets());
    out.put("allReaders", LatencyReport.json(result.overall()));
    Map<String, Object> per = new LinkedHashMap<>();
    result.perReader().forEach((reader, h) -> per.put(reader, LatencyReport.json(h)));
    out.put("perReader", per);
    if (json) {
      System.out.println(new ObjectMapper().writeValueAsString(out));
    } else {
      System.out.printf(Locale.ROOT,
          "propagation from %s to %s: %d writes, %d timed out, %d not readable after their event, %d watch resets%n",
          from, to, result.writes(), result.timeouts(), result.unconfirmed(), result.resets());
      System.out.println(line("all readers (slowest)", result.overall()));
      result.perReader().forEach((reader, h) -> System.out.println(line(reader, h)));
    }
    System.out.flush();
    return result.timeouts() == 0 && result.unconfirmed() == 0 ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
  }

  private static String line(String label, Histogram h) {
    return LatencyReport.line(label, h, 28, 6);
  }
}
