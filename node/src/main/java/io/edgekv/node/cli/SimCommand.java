package io.edgekv.node.cli;

import ch.qos.logback.classic.Level;
import io.edgekv.sim.SimOptions;
import io.edgekv.sim.SimReport;
import io.edgekv.sim.SimResult;
import io.edgekv.sim.Simulation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgekv sim}: the deterministic simulation of cross-region replication
 * (docs/simulation.md). One seed, or a range of seeds ({@code --seeds A..B}) that stops at the
 * first failing seed and prints the command that replays it. Exit codes: 0 every run valid, 2
 * usage, 5 a checker failed (or the system did not converge after heal).
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = "Deterministic simulation of cross-region replication: PoPs in simulated time, seeded, replayable.")
public final class SimCommand implements Callable<Integer> {
  private static final Pattern RANGE = Pattern.compile("(\\d+)\\.\\.(\\d+)");
  private static final String IGNORE_HLC = "lww-ignore-hlc";

  @Option(names = "--regions", defaultValue = "40", description = "Regions (default ${DEFAULT-VALUE}).")
  int regions;

  @Option(names = "--pops-per-region", defaultValue = "5", description = "PoPs per region (default ${DEFAULT-VALUE}).")
  int popsPerRegion;

  @Option(names = "--seed", defaultValue = "1", description = "The run's seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--seeds", paramLabel = "A..B",
      description = "Run seeds A to B; stop at the first failing one and print the command that replays it.")
  String seeds;

  @Option(names = "--duration", defaultValue = "10m", converter = DurationConverter.class,
      description = "Simulated time of workload and faults, before heal (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--writes-per-second", defaultValue = "20",
      description = "Client operations per simulated second over all regions (default ${DEFAULT-VALUE}).")
  double writesPerSecond;

  @Option(names = "--value-bytes", defaultValue = "1024", description = "Size of put values (default ${DEFAULT-VALUE}).")
  int valueBytes;

  @Option(names = "--no-faults", description = "Run without the fault schedule (network noise and latency only).")
  boolean noFaults;

  @Option(names = "--unsafe", paramLabel = "BUG",
      description = "A deliberate bug, to check the checkers: " + IGNORE_HLC + " (merge remote writes by arrival, not HLC).")
  String unsafe;

  @Option(names = "--report", paramLabel = "FILE", description = "Write an HTML report with plots (single seed).")
  Path report;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    EdgeKvCommand root = EdgeKvCommand.root(spec);
    CliOutput out = root.output();
    boolean json = root.global().json(); // the global --json: one JSON object per run
    long from = seed;
    long to = seed;
    if (seeds != null) {
      Matcher m = RANGE.matcher(seeds);
      if (!m.matches() || Long.parseLong(m.group(1)) > Long.parseLong(m.group(2))) {
        return usage(out, "--seeds must be A..B with A <= B, was '" + seeds + "'");
      }
      from = Long.parseLong(m.group(1));
      to = Long.parseLong(m.group(2));
    }
    if (unsafe != null && !IGNORE_HLC.equals(unsafe)) {
      return usage(out, "--unsafe knows only " + IGNORE_HLC + ", was '" + unsafe + "'");
    }
    SimOptions options = SimOptions.defaults(regions, popsPerRegion, from, duration.toMillis())
        .withWorkload(writesPerSecond, valueBytes).withFaults(!noFaults).withIgnoreHlc(unsafe != null);
    try {
      options.validate();
    } catch (IllegalArgumentException e) {
      return usage(out, e.getMessage());
    }
    // The production code logs every anti-entropy round at INFO; thousands of simulated ones would drown the output.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.edgekv")).setLevel(Level.WARN);
    for (long s = from; s <= to; s++) {
      SimResult result = Simulation.run(options.withSeed(s));
      out.line(json ? result.toJson() : summary(result));
      if (report != null && from == to) {
        try {
          Files.writeString(report, SimReport.html(result, replay(s)), StandardCharsets.UTF_8);
          out.info("sim: report written to " + report);
        } catch (IOException e) {
          out.error("INTERNAL", "cannot write the report to " + report + ": " + e.getMessage());
          return ExitCodes.INTERNAL;
        }
      }
      if (!result.valid()) {
        out.info("sim: replay with: " + replay(s));
        out.error("INTERNAL", "seed " + s + " failed: " + String.join("; ", result.failures()));
        return ExitCodes.INTERNAL;
      }
    }
    return ExitCodes.OK;
  }

  private String replay(long s) {
    return "./edgekv sim --regions " + regions + " --pops-per-region " + popsPerRegion + " --seed " + s
        + " --duration " + duration.toSeconds() + "s" + (writesPerSecond != 20 ? " --writes-per-second "
        + writesPerSecond : "") + (valueBytes != 1024 ? " --value-bytes " + valueBytes : "")
        + (noFaults ? " --no-faults" : "") + (unsafe != null ? " --unsafe " + unsafe : "");
  }

  private static int usage(CliOutput out, String message) {
    out.error("USAGE", message + " (see 'edgekv sim --help')");
    return ExitCodes.USAGE;
  }

  private static String summary(SimResult r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "seed %d: %d PoPs in %d regions, %.0f s simulated in %.1f s%n", r.seed(),
        r.pops(), r.regions(), r.simulatedSeconds(), r.wallSeconds()));
    b.append(String.format(Locale.ROOT, "  writes %d committed, %d acknowledged; converged %.0f s after heal%n",
        r.committed(), r.acked(), r.convergedAfterHealSeconds()));
    b.append(String.format(Locale.ROOT, "  propagation to every region: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
        r.propagationP50Ms(), r.propagationP99Ms(), r.propagationMaxMs()));
    b.append(String.format(Locale.ROOT, "  bytes per write: %.3f x (regions-1) x payload (%d of %d bytes)%n",
        r.bytesPerWriteRatio(), r.replicationBytes(), r.idealBytes()));
    b.append("  bytes by kind:");
    for (Map.Entry<String, Long> e : r.bytesByKind().entrySet()) {
      b.append(' ').append(e.getKey()).append('=').append(e.getValue());
    }
    b.append(String.format(Locale.ROOT, "%n  bytes by cause:"));
    for (Map.Entry<String, Long> e : r.bytesByCause().entrySet()) {
      b.append(' ').append(e.getKey()).append('=').append(e.getValue());
    }
    b.append(String.format(Locale.ROOT, "%n  anti-entropy after the long partition%s: %d bytes%n",
        r.longPartitionRegion().isEmpty() ? "" : " of " + r.longPartitionRegion(), r.antiEntropyAfterPartitionBytes()));
    b.append("  checkers:");
    r.checkers().forEach((name, verdict) -> b.append(' ').append(name).append('=').append(verdict));
    b.append(System.lineSeparator()).append("  digest ").append(r.digest());
    return b.toString();
  }
}
