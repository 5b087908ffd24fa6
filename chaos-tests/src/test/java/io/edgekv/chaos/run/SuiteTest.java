package io.edgekv.chaos.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.nemesis.Schedule;
import io.edgekv.chaos.workload.Workload;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SuiteTest {
  private static List<RunSpec> runs(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return Suite.fromProperties(p);
  }

  @Test
  void standardRunsEveryWorkloadOnceAndEverySelfTest() {
    List<RunSpec> runs = runs("chaos.suite", "standard", "chaos.seed", "100");
    assertEquals(Workload.Kind.values().length + Suite.SELF_TESTS.size(), runs.size());
    assertTrue(runs.stream().filter(r -> !r.selfTest()).allMatch(r -> r.nemesis() == Schedule.Nemesis.MIXED));
    assertEquals(100, runs.getFirst().seed());
    assertEquals(101, runs.get(1).seed());
    assertEquals(Suite.SELF_TESTS.size(), runs.stream().filter(RunSpec::selfTest).count());
  }

  @Test
  void shortCapsTheFaultTimeRunsItsWorkloadsUnderMixedAndRotatesTheSelfTest() {
    List<RunSpec> runs = runs("chaos.suite", "short", "chaos.time", "30", "chaos.seed", "5");
    assertTrue(runs.stream().allMatch(r -> r.faultSeconds() == 20));
    assertEquals(Suite.SHORT, runs.stream().filter(r -> !r.selfTest()).map(RunSpec::workload).toList());
    assertTrue(runs.stream().anyMatch(r -> r.workload().crossRegion()));
    assertTrue(runs.stream().filter(r -> !r.selfTest()).allMatch(r -> r.nemesis() == Schedule.Nemesis.MIXED));
    List<RunSpec> selfTests = runs.stream().filter(RunSpec::selfTest).toList();
    assertEquals(1, selfTests.size());
    java.util.Set<String> rotated = new java.util.HashSet<>();
    for (int seed = 0; seed < Suite.SHORT_SELF_TESTS.size(); seed++) {
      rotated.add(runs("chaos.suite", "short", "chaos.seed", Integer.toString(seed)).getLast().expectInvalid());
    }
    assertEquals(Suite.SHORT_SELF_TESTS.stream().map(Suite.SelfTest::checker).collect(java.util.stream.Collectors.toSet()),
        rotated);
  }

  @Test
  void standardRunsTheCrossRegionWorkloads() {
    List<RunSpec> runs = runs("chaos.suite", "standard", "chaos.seed", "1");
    assertTrue(runs.stream().anyMatch(r -> r.workload() == Workload.Kind.LWW));
    assertTrue(runs.stream().anyMatch(r -> r.workload() == Workload.Kind.SET_XR));
    assertTrue(runs.stream().anyMatch(r -> r.workload() == Workload.Kind.COUNTER));
    assertTrue(runs.stream().anyMatch(r -> r.workload() == Workload.Kind.CACHE_STALENESS));
    assertTrue(runs.stream().anyMatch(r -> "remote-restamp".equals(String.join(",", r.unsafeSwitches()))
        && r.workload() == Workload.Kind.LWW && "lww".equals(r.expectInvalid())));
  }

  @Test
  void crossRegionRunsReplayByTheirKey() {
    RunSpec r = runs("chaos.workload", "set-xr", "chaos.nemesis", "region", "chaos.seed", "3").getFirst();
    assertEquals(Workload.Kind.SET_XR, r.workload());
    assertEquals(Schedule.Nemesis.REGION, r.nemesis());
    assertTrue(r.replay().startsWith("-Dchaos.workload=set-xr -Dchaos.nemesis=region"));
  }

  @Test
  void oneRunReplaysFromItsProperties() {
    List<RunSpec> runs = runs("chaos.workload", "set", "chaos.nemesis", "kill", "chaos.seed", "7", "chaos.time", "12");
    assertEquals(1, runs.size());
    RunSpec r = runs.getFirst();
    assertEquals(Workload.Kind.SET, r.workload());
    assertEquals(Schedule.Nemesis.KILL, r.nemesis());
    assertEquals(7, r.seed());
    assertEquals("-Dchaos.workload=set -Dchaos.nemesis=kill -Dchaos.time=12 -Dchaos.seed=7", r.replay());
  }

  @Test
  void fullIsTheMatrix() {
    long crossRegion = java.util.Arrays.stream(Workload.Kind.values()).filter(Workload.Kind::crossRegion).count();
    List<RunSpec> full = runs("chaos.suite", "full");
    // every workload x 10 nemeses (cross-region ones without power-loss, membership and ring);
    // per cross-region workload: region, wan and a 3x3 mixed run
    assertEquals(10 * Workload.Kind.values().length - 3 * crossRegion + 3 * crossRegion + Suite.SELF_TESTS.size(),
        full.size());
    assertEquals(crossRegion, full.stream().filter(r -> r.nodesPerRegion() == 3).count());
    assertTrue(full.stream().filter(r -> r.nodesPerRegion() == 3).allMatch(r -> r.replay().endsWith("-Dchaos.nodesPerRegion=3")));
  }
}
