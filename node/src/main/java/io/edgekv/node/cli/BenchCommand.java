package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv bench}: a closed-loop load generator against running endpoints. It writes the
 * key space once (unless {@code --no-preload}), optionally warms up, then runs {@code
 * --concurrency} workers for {@code --duration} and prints the throughput and latency
 * percentiles of reads and writes and the errors by status. A failed call is counted and the
 * load goes on until the duration ends (a bench against a region without quorum is a write
 * storm, not a single error). Keys live under {@code --key-prefix} ({@code bench/}) in the
 * chosen namespace. Bounded: at most 1024 workers, at most 1 hour.
 */
@Command(name = "bench", description = "Closed-loop load: throughput and latency percentiles of reads and writes.",
    subcommands = {BenchPropagationCommand.class, BenchPurgeCommand.class, BenchNearCacheCommand.class,
        BenchCompareCommand.class})
public final class BenchCommand extends ClientCommand {

  private static final int MAX_CONCURRENCY = 1024;
  private static final Duration MAX_DURATION = Duration.ofHours(1);
  private static final int MAX_KEYS = 10_000_000;

  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8",
      description = "Workers, each with one call in flight (default: ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
      description = "How long to measure (default: ${DEFAULT-VALUE}).")
  private Duration duration;

  @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "0s", converter = DurationConverter.class,
      description = "Load to run, unmeasured, before measuring (default: ${DEFAULT-VALUE}).")
  private Duration warmup;

  @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "128",
      description = "Size of each written value (default: ${DEFAULT-VALUE}).")
  private int valueSize;

  @Option(names = "--read-ratio", paramLabel = "RATIO", defaultValue = "0.9",
      description = "Share of reads, 0 to 1 (default: ${DEFAULT-VALUE}).")
  private double readRatio;

  @Option(names = "--keys", paramLabel = "N", defaultValue = "1000",
      description = "Size of the key space (default: ${DEFAULT-VALUE}).")
  private int keys;

  @Option(names = "--key-prefix", paramLabel = "PREFIX", defaultValue = "bench/",
      description = "Prefix of the bench's keys (default: ${DEFAULT-VALUE}).")
  private String keyPrefix;

  @Option(names = "--no-preload",
      description = "Do not write the key space first (reads of keys never written miss).")
  private boolean noPreload;

  @Override
  protected int run(EdgeKvClient client) {
    validate();
    CliOutput out = out();
    BenchWorkload workload = new BenchWorkload(client, new BenchWorkload.Settings(
        concurrency, keys, valueSize, readRatio, keyPrefix, global().timeout()));
    if (!noPreload) {
      out.info("bench: preloading " + keys + " keys under '" + keyPrefix + "' in namespace '" + client.namespace() + "'");
      Map<String, Long> failed = workload.preload();
      if (!failed.isEmpty()) {
        out.info("bench: preload: " + failed.values().stream().mapToLong(Long::longValue).sum() + " of " + keys
            + " puts failed (" + describe(failed) + "); going on");
      }
    }
    if (!warmup.isZero()) {
      out.info("bench: warming up for " + warmup.toMillis() + " ms");
      workload.run(warmup);
    }
    out.info("bench: " + concurrency + " workers for " + duration.toMillis() + " ms against " + client.endpoints());
    BenchWorkload.Result result = workload.run(duration);
    if (global().json()) {
      out.json(json(result));
    } else {
      human(result).forEach(out::line);
    }
    Map<String, Long> errors = result.errors();
    if (result.reads().count() + result.writes().count() == 0 && !errors.isEmpty()) {
      String worst = errors.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      out.error(worst, "every call of the bench failed: " + describe(errors));
      return ExitCodes.forStatus(Status.Code.valueOf(worst));
    }
    return ExitCodes.OK;
  }

  private void validate() {
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw usage("--concurrency must be between 1 and " + MAX_CONCURRENCY + ", got " + concurrency);
    }
    if (duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
      throw usage("--duration must be between 1ms and 1h, got " + duration.toMillis() + "ms");
    }
    if (warmup.compareTo(MAX_DURATION) > 0) {
      throw usage("--warmup must be at most 1h");
    }
    if (valueSize < 0 || valueSize > KvPutCommand.MAX_VALUE_BYTES) {
      throw usage("--value-size must be between 0 and " + KvPutCommand.MAX_VALUE_BYTES + ", got " + valueSize);
    }
    if (!(readRatio >= 0 && readRatio <= 1)) {
      throw usage("--read-ratio must be between 0 and 1, got " + readRatio);
    }
    if (keys < 1 || keys > MAX_KEYS) {
      throw usage("--keys must be between 1 and " + MAX_KEYS + ", got " + keys);
    }
    if (keyPrefix.isEmpty()) {
      throw usage("--key-prefix must not be empty");
    }
  }

  private Map<String, Object> json(BenchWorkload.Result r) {
    double seconds = r.elapsed().toNanos() / 1e9;
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("concurrency", concurrency);
    json.put("durationMs", duration.toMillis());
    json.put("warmupMs", warmup.toMillis());
    json.put("keys", keys);
    json.put("keyPrefix", keyPrefix);
    json.put("valueSize", valueSize);
    json.put("readRatio", readRatio);
    json.put("elapsedMs", r.elapsed().toMillis());
    long total = r.reads().count() + r.writes().count();
    json.put("totalOps", total);
    json.put("throughput", round(total / seconds));
    json.put("read", opJson(r.reads(), seconds));
    json.put("write", opJson(r.writes(), seconds));
    json.put("errors", r.errors());
    return json;
  }

  private static Map<String, Object> opJson(BenchWorkload.OpStats s, double seconds) {
    Histogram h = s.latencyMicros;
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("count", s.count());
    json.put("errors", s.errorCount());
    json.put("misses", s.misses);
    json.put("throughput", round(s.count() / seconds));
    json.put("meanMs", s.count() == 0 ? null : round(h.getMean() / 1000.0));
    json.put("p50Ms", percentileMs(h, 50));
    json.put("p90Ms", percentileMs(h, 90));
    json.put("p99Ms", percentileMs(h, 99));
    json.put("p999Ms", percentileMs(h, 99.9));
    json.put("maxMs", h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1000.0));
    return json;
  }

  private List<String> human(BenchWorkload.Result r) {
    double seconds = r.elapsed().toNanos() / 1e9;
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT,
        "%d workers, %.1f s, %d keys under '%s', %d-byte values, read ratio %.2f",
        concurrency, seconds, keys, keyPrefix, valueSize, readRatio));
    lines.add(String.format(Locale.ROOT, "%-6s %10s %10s %9s %9s %9s %9s %9s %8s",
        "op", "count", "ops/s", "p50 ms", "p90 ms", "p99 ms", "p999 ms", "max ms", "errors"));
    lines.add(row("read", r.reads(), seconds));
    lines.add(row("write", r.writes(), seconds));
    long total = r.reads().count() + r.writes().count();
    lines.add(String.format(Locale.ROOT, "%-6s %10d %10.1f", "total", total, total / seconds));
    Map<String, Long> errors = r.errors();
    lines.add("errors: " + (errors.isEmpty() ? "none" : describe(errors)));
    return lines;
  }

  private static String row(String op, BenchWorkload.OpStats s, double seconds) {
    Histogram h = s.latencyMicros;
    return String.format(Locale.ROOT, "%-6s %10d %10.1f %9s %9s %9s %9s %9s %8d",
        op, s.count(), s.count() / seconds, ms(percentileMs(h, 50)), ms(percentileMs(h, 90)),
        ms(percentileMs(h, 99)), ms(percentileMs(h, 99.9)),
        ms(h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1000.0)), s.errorCount());
  }

  private static String describe(Map<String, Long> errors) {
    return errors.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
  }

  private static Double percentileMs(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(percentile) / 1000.0);
  }

  private static String ms(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static double round(double value) {
    return Math.round(value * 1000.0) / 1000.0;
  }
}
