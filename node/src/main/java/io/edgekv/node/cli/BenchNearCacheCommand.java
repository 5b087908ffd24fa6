package io.edgekv.node.cli;

import io.edgekv.node.bench.NearCacheBench;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv bench near-cache}: latency of a Java-client NearCache hit (warm key), in
 * microseconds; the cache reads from and watches the first {@code --endpoint}.
 */
@Command(name = "near-cache", mixinStandardHelpOptions = true,
    description = "NearCache hit latency: gets of warm keys served from the client's memory.")
public final class BenchNearCacheCommand implements Callable<Integer> {
  @Option(names = "--keys", defaultValue = "1000", description = "Warm keys (default ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--iterations", defaultValue = "1000000", description = "Measured gets (default ${DEFAULT-VALUE}).")
  long iterations;

  @Option(names = "--max-duration", defaultValue = "2m", converter = DurationConverter.class,
      description = "Stop after this long at the latest (default ${DEFAULT-VALUE}).")
  Duration maxDuration;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    GlobalOptions global = EdgeKvCommand.root(spec).global();
    CliOutput cli = EdgeKvCommand.root(spec).output();
    String endpoint = global.endpoints(System.getenv()).get(0);
    if (keys < 1 || keys > 100_000 || iterations < 1 || iterations > 1_000_000_000L || maxDuration.isZero()
        || maxDuration.compareTo(Duration.ofHours(1)) > 0) {
      cli.error("USAGE", "--keys 1..100000, --iterations 1..1000000000, --max-duration 1ms..1h");
      return ExitCodes.USAGE;
    }
    NearCacheBench.Result r;
    try (NearCacheBench bench = new NearCacheBench(endpoint, global.namespace(),
        global.credentials(spec, EdgeKvCommand.root(spec).env()))) {
      r = bench.run(keys, iterations, maxDuration);
    }
    if (global.json()) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("endpoint", endpoint);
      out.put("keys", keys);
      out.put("iterations", r.iterations());
      out.put("elapsedMs", r.elapsed().toMillis());
      out.put("hitUs", micros(r.hitNanos()));
      out.put("missUs", micros(r.missNanos()));
      out.put("hitRatio", r.stats().hitRatio());
      cli.json(out);
    } else {
      cli.line(String.format(Locale.ROOT, "near cache on %s: %d keys, %d hits measured in %.1f s, hit ratio %.4f",
          endpoint, keys, r.iterations(), r.elapsed().toMillis() / 1000.0, r.stats().hitRatio()));
      cli.line(line("hit", r.hitNanos()));
      cli.line(line("miss (first load)", r.missNanos()));
    }
    return ExitCodes.OK;
  }

  private static Map<String, Object> micros(Histogram h) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", h.getTotalCount());
    for (double p : new double[] {50, 90, 99, 99.9}) {
      out.put("p" + (p == 99.9 ? "999" : String.valueOf((int) p)), Math.round(h.getValueAtPercentile(p) / 10.0) / 100.0);
    }
    out.put("max", Math.round(h.getMaxValue() / 10.0) / 100.0);
    return out;
  }

  private static String line(String label, Histogram h) {
    return String.format(Locale.ROOT, "  %-18s n=%-8d p50=%9.3fus p90=%9.3fus p99=%9.3fus p99.9=%9.3fus max=%10.3fus",
        label, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
  }
}
