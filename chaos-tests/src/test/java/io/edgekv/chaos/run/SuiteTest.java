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
  void shortCapsTheFaultTimeAndRunsRegionalWorkloadsOnly() {
    List<RunSpec> runs = runs("chaos.suite", "short", "chaos.time", "30");
    assertTrue(runs.stream().allMatch(r -> r.faultSeconds() == 20));
    assertTrue(runs.stream().noneMatch(r -> r.workload().crossRegion()));
  }

  @Test
  void standardRunsTheCrossRegionWorkloads() {
    List<RunSpec> runs = runs("chaos.suite", "standard", "chaos.seed", "1");
    assertTrue(runs.stream().anyMatch(r -> r.workload() == Workload.Kind.LWW));
    assertTrue(runs.stream().anyMatch(r -> r.workload() == Workload.Kind.SET_XR));
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
    assertEquals(5 * Workload.Kind.values().length + crossRegion + Suite.SELF_TESTS.size(),
        runs("chaos.suite", "full").size());
  }
}
