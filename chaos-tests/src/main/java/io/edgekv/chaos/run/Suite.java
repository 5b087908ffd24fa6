package io.edgekv.chaos.run;

import io.edgekv.chaos.nemesis.Schedule.Nemesis;
import io.edgekv.chaos.workload.Workload.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The runs a suite consists of, from the {@code chaos.*} system properties:
 * <ul>
 *   <li>{@code chaos.workload} (+ optional {@code chaos.nemesis}, default mixed): that one run;
 *   <li>{@code chaos.suite=standard} (default): every workload once under the mixed schedule (the
 *       cross-region ones, {@code lww} and {@code set-xr}, on 3 regions x 1 node, where mixed
 *       includes the region faults), then every self-test;
 *   <li>{@code chaos.suite=short} (CI): the regional workloads only, at most 20 s of faults, one self-test;
 *   <li>{@code chaos.suite=full}: every workload under every nemesis (plus {@code region} and
 *       {@code wan}, and a mixed run on 3 regions x 3 nodes, for each cross-region workload), then
 *       every self-test.
 * </ul>
 * {@code chaos.time} is the fault period in seconds (default 30), {@code chaos.seed} the base seed
 * (default: random, printed); run {@code i} uses seed {@code base + i}, printed with the
 * properties that replay it alone.
 */
public final class Suite {
  static final int RECOVERY_SECONDS = 10;

  /** A self-test: a node switch that breaks a guarantee, the run that exposes it, the checker that must see it. */
  record SelfTest(String unsafeSwitch, Kind workload, Nemesis nemesis, String checker) {}

  static final List<SelfTest> SELF_TESTS = List.of(
      new SelfTest("strong-reads-local", Kind.REGISTER, Nemesis.PARTITION, "linearizable-register"),
      new SelfTest("session-reads-local", Kind.SESSION, Nemesis.PARTITION, "session-guarantees"),
      new SelfTest("remote-restamp", Kind.LWW, Nemesis.WAN, "lww"));

  private Suite() {}

  public static List<RunSpec> fromProperties(Properties p) {
    String suite = p.getProperty("chaos.suite", "standard").trim().toLowerCase(Locale.ROOT);
    int time = Integer.parseInt(blankTo(p.getProperty("chaos.time"), "30"));
    String seedText = blankTo(p.getProperty("chaos.seed"), "");
    long seed = seedText.isEmpty() ? Math.abs(System.nanoTime() % 1_000_000_000L) : Long.parseLong(seedText);
    String workload = blankTo(p.getProperty("chaos.workload"), "");
    String nemesis = blankTo(p.getProperty("chaos.nemesis"), "");
    String unsafe = blankTo(p.getProperty("chaos.unsafe"), "");
    int nodesPerRegion = Integer.parseInt(blankTo(p.getProperty("chaos.nodesPerRegion"), "0"));
    List<RunSpec> runs = new ArrayList<>();
    if (!workload.isEmpty()) {
      Kind kind = Kind.parse(workload);
      Nemesis n = nemesis.isEmpty() ? Nemesis.MIXED : Nemesis.parse(nemesis);
      List<String> switches = unsafe.isEmpty() ? List.of() : List.of(unsafe.split(","));
      String expect = switches.isEmpty() ? null : SELF_TESTS.stream().filter(s -> switches.contains(s.unsafeSwitch()))
          .map(SelfTest::checker).findFirst().orElse(null);
      runs.add(new RunSpec(id(0, kind, n, switches), kind, n, time, RECOVERY_SECONDS, seed, switches, expect,
          nodesPerRegion));
      return runs;
    }
    List<Nemesis> nemeses = switch (suite) {
      case "full" -> List.of(Nemesis.PARTITION, Nemesis.KILL, Nemesis.PAUSE, Nemesis.CLOCK, Nemesis.MIXED);
      case "standard", "short" -> List.of(nemesis.isEmpty() ? Nemesis.MIXED : Nemesis.parse(nemesis));
      default -> throw new IllegalArgumentException("chaos.suite must be short, standard or full, was '" + suite + "'");
    };
    int faultTime = "short".equals(suite) ? Math.min(time, 20) : time;
    for (Nemesis n : nemeses) {
      for (Kind k : Kind.values()) {
        if (k.crossRegion() && "short".equals(suite)) {
          continue; // short is CI's: regional runs only (docs/chaos.md, "Cross-region runs")
        }
        if (!k.crossRegion() && (n == Nemesis.REGION || n == Nemesis.WAN)) {
          continue; // one region: no region to cut, no WAN
        }
        if (k == Kind.CACHE_STALENESS && "short".equals(suite)) {
          continue; // not yet proven reliable enough for CI (docs/chaos.md)
        }
        runs.add(new RunSpec(id(runs.size(), k, n, List.of()), k, n, faultTime, RECOVERY_SECONDS, seed + runs.size(),
            List.of(), null));
      }
    }
    if ("full".equals(suite)) {
      for (Kind k : Kind.values()) {
        if (k.crossRegion()) {
          for (Nemesis n : List.of(Nemesis.REGION, Nemesis.WAN)) {
            runs.add(new RunSpec(id(runs.size(), k, n, List.of()), k, n, faultTime, RECOVERY_SECONDS,
                seed + runs.size(), List.of(), null));
          }
          // the full shape: 3 regions x 3 nodes (each region a Raft group of 3), mixed faults
          runs.add(new RunSpec(id(runs.size(), k, Nemesis.MIXED, List.of()) + "-3x3", k, Nemesis.MIXED, faultTime,
              RECOVERY_SECONDS, seed + runs.size(), List.of(), null, 3));
        }
      }
    }
    List<SelfTest> selfTests = "short".equals(suite) ? SELF_TESTS.subList(0, 1) : SELF_TESTS;
    for (SelfTest s : selfTests) {
      runs.add(new RunSpec(id(runs.size(), s.workload(), s.nemesis(), List.of(s.unsafeSwitch())), s.workload(),
          s.nemesis(), faultTime, RECOVERY_SECONDS, seed + runs.size(), List.of(s.unsafeSwitch()), s.checker()));
    }
    return runs;
  }

  private static String id(int i, Kind k, Nemesis n, List<String> switches) {
    return String.format(Locale.ROOT, "%02d-%s-%s%s", i, k.key(), n.key(),
        switches.isEmpty() ? "" : "-selftest-" + String.join("+", switches));
  }

  private static String blankTo(String s, String dflt) {
    return s == null || s.isBlank() ? dflt : s.trim();
  }
}
