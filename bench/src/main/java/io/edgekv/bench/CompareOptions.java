package io.edgekv.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The harness' options, as the node's {@code BenchCompareCommand} passes them: {@code --rounds N
 * --base-port B --warmup-ms N --duration-ms N --keys N --value-sizes 100,1024 --out DIR
 * [--workloads name,name] [--json] [--no-coalesce] [--profile]}: {@code --no-coalesce} sends
 * each EdgeKV get alone, {@code --profile} records a JFR profile of each EdgeKV node and of each
 * measurement's load generator.
 */
record CompareOptions(int rounds, int basePort, long warmupMillis, long durationMillis, int keys,
    List<Integer> valueSizes, Path out, Set<String> workloads, boolean json, boolean coalesce, boolean profile) {

  static final int PORTS = 500;

  CompareOptions {
    check(rounds >= 1 && rounds <= 100, "--rounds must be between 1 and 100, got " + rounds);
    check(basePort >= 1024 && basePort + PORTS - 1 <= 65535, "--base-port must be between 1024 and "
        + (65536 - PORTS) + ", got " + basePort);
    check(warmupMillis >= 0 && warmupMillis <= 3_600_000, "--warmup must be between 0 and 1h");
    check(durationMillis >= 100 && durationMillis <= 3_600_000, "--duration must be between 100ms and 1h");
    check(keys >= 1 && keys <= 10_000_000, "--keys must be between 1 and 10000000, got " + keys);
    check(!valueSizes.isEmpty() && valueSizes.stream().allMatch(v -> v >= 1 && v <= 1 << 20),
        "--value-sizes must list sizes between 1 and 1048576 bytes, got " + valueSizes);
    valueSizes = List.copyOf(valueSizes);
    workloads = Set.copyOf(workloads);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /**
   * Bytes a node's block cache gets so that the whole data set stays in memory, as in Redis:
   * twice the keys times (the largest value plus 256 bytes of key, metadata and block overhead),
   * for the older versions of the smaller values that compaction has not dropped yet.
   */
  long dataSetBytes() {
    int largest = valueSizes.stream().mapToInt(Integer::intValue).max().orElse(0);
    return 2L * keys * (largest + 256L);
  }

  /** Whether {@code w} is to be measured: every workload unless {@code --workloads} named some. */
  boolean selects(Workload w) {
    return workloads.isEmpty() || workloads.contains(w.name());
  }

  static CompareOptions parse(String[] args) {
    int rounds = 3;
    int basePort = 21000;
    long warmup = 10_000;
    long duration = 15_000;
    int keys = 100_000;
    List<Integer> sizes = List.of(100, 1024);
    Path out = Path.of("target", "bench-compare");
    List<String> workloads = List.of();
    boolean json = false;
    boolean coalesce = true;
    boolean profile = false;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--json") || name.equals("--no-coalesce") || name.equals("--profile")) {
        json |= name.equals("--json");
        coalesce &= !name.equals("--no-coalesce");
        profile |= name.equals("--profile");
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(name + " needs a value");
      }
      String value = args[++i];
      try {
        switch (name) {
          case "--rounds" -> rounds = Integer.parseInt(value);
          case "--base-port" -> basePort = Integer.parseInt(value);
          case "--warmup-ms" -> warmup = Long.parseLong(value);
          case "--duration-ms" -> duration = Long.parseLong(value);
          case "--keys" -> keys = Integer.parseInt(value);
          case "--value-sizes" -> sizes = ints(value);
          case "--out" -> out = Path.of(value);
          case "--workloads" -> workloads = List.of(value.split(","));
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
      }
    }
    return new CompareOptions(rounds, basePort, warmup, duration, keys, sizes, out, Set.copyOf(workloads), json, coalesce, profile);
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }
}
