package io.edgekv.node.cli;

import io.edgekv.node.bench.PurgeBench;
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
 * {@code edgekv bench purge}: from a purge's acknowledgement on one node to its event at every
 * watcher, with many watchers connected, spread round-robin over the watched nodes.
 */
@Command(name = "purge", mixinStandardHelpOptions = true,
    description = "Purge-to-watcher latency: time from a purge's acknowledgement to its event at every watcher.")
public final class BenchPurgeCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "HOST:PORT", description = "Node that takes the purges.")
  String from;

  @Option(names = "--watch", required = true, split = ",", paramLabel = "HOST:PORT",
      description = "Nodes the watchers connect to, round-robin, comma-separated (e.g. one per region).")
  List<String> watch;

  @Option(names = "--watchers", defaultValue = "1000", description = "Watch streams to open (default ${DEFAULT-VALUE}).")
  int watchers;

  @Option(names = "--purges", defaultValue = "1000", description = "Purges to measure (default ${DEFAULT-VALUE}).")
  int purges;

  @Option(names = "--warmup", defaultValue = "100",
      description = "Purges made first and not measured, so the JIT has compiled the paths (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--by", defaultValue = "key", paramLabel = "key|prefix|tag",
      description = "Selector of each purge, fresh per purge (default ${DEFAULT-VALUE}).")
  String by;

  @Option(names = "--event-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "How long to wait for a purge's events (default ${DEFAULT-VALUE}).")
  Duration eventTimeout;

  @Option(names = "--max-duration", defaultValue = "10m", converter = DurationConverter.class,
      description = "Stop after this long at the latest (default ${DEFAULT-VALUE}).")
  Duration maxDuration;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    GlobalOptions global = EdgeKvCommand.root(spec).global();
    CliOutput cli = EdgeKvCommand.root(spec).output();
    PurgeBench.PurgeBy purgeBy;
    try {
      purgeBy = PurgeBench.PurgeBy.valueOf(by.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      purgeBy = null;
    }
    if (purgeBy == null || watchers < 1 || watchers > 100_000 || purges < 1 || purges > 1_000_000
        || warmup < 0 || warmup > 100_000
        || eventTimeout.isZero() || maxDuration.isZero() || maxDuration.compareTo(Duration.ofHours(1)) > 0) {
      cli.error("USAGE", "--by must be key, prefix or tag, --watchers 1..100000, --purges 1..1000000, --warmup 0..100000, "
          + "--event-timeout positive, --max-duration 1ms..1h");
      return ExitCodes.USAGE;
    }
    PurgeBench.Result result;
    try (PurgeBench bench = new PurgeBench(from, watch, global.namespace(),
        global.credentials(spec, EdgeKvCommand.root(spec).env()), purgeBy, eventTimeout)) {
      long t0 = System.nanoTime();
      bench.connect(watchers, Duration.ofSeconds(120));
      cli.info(String.format(Locale.ROOT, "bench purge: %d watchers of prefix %s confirmed in %d ms", watchers,
          bench.prefix(), (System.nanoTime() - t0) / 1_000_000));
      result = bench.run(warmup, purges, maxDuration);
    }
    double fraction = result.eventsExpected() == 0 ? 0 : (double) result.eventsReceived() / result.eventsExpected();
    if (global.json()) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("from", from);
      out.put("watch", watch);
      out.put("watchers", watchers);
      out.put("by", by);
      out.put("purges", result.purges());
      out.put("incomplete", result.incomplete());
      out.put("eventsExpected", result.eventsExpected());
      out.put("eventsReceived", result.eventsReceived());
      out.put("receivedFraction", fraction);
      out.put("beforeAck", result.beforeAck());
      out.put("resets", result.resets());
      out.put("disconnects", result.disconnects());
      out.put("elapsedMs", result.elapsed().toMillis());
      out.put("allWatchers", LatencyReport.json(result.overall()));
      Map<String, Object> per = new LinkedHashMap<>();
      result.perNode().forEach((node, h) -> per.put(node, LatencyReport.json(h)));
      out.put("perNode", per);
      out.put("everyEvent", LatencyReport.json(result.perWatcher()));
      out.put("allWatchersFromSend", LatencyReport.json(result.fromSend()));
      out.put("purgeAck", LatencyReport.json(result.ack()));
      cli.json(out);
    } else {
      cli.line(String.format(Locale.ROOT,
          "purge by %s from %s to %d watchers on %s: %d purges in %.1f s, %d incomplete, events %d/%d (%.4f), "
              + "%d before ack, %d resets, %d disconnects",
          by, from, watchers, watch, result.purges(), result.elapsed().toMillis() / 1000.0, result.incomplete(),
          result.eventsReceived(), result.eventsExpected(), fraction, result.beforeAck(), result.resets(),
          result.disconnects()));
      cli.line(line("all watchers (slowest)", result.overall()));
      result.perNode().forEach((node, h) -> cli.line(line("node " + node + " (slowest)", h)));
      cli.line(line("every event", result.perWatcher()));
      cli.line(line("all watchers, from send", result.fromSend()));
      cli.line(line("purge ack", result.ack()));
    }
    return result.incomplete() == 0 && result.purges() > 0 ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
  }

  private static String line(String label, Histogram h) {
    return LatencyReport.line(label, h, 34, 7);
  }
}
