package io.edgekv.chaos.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.cluster.FaultKind;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  private static final List<String> NODES = List.of("n1", "n2", "n3");

  @Test
  void sameSeedGivesTheSameSchedule() {
    var all = EnumSet.allOf(FaultKind.class);
    assertEquals(Schedule.generate(Schedule.Nemesis.MIXED, 42, 30_000, NODES, all),
        Schedule.generate(Schedule.Nemesis.MIXED, 42, 30_000, NODES, all));
    assertNotEquals(Schedule.generate(Schedule.Nemesis.MIXED, 42, 30_000, NODES, all),
        Schedule.generate(Schedule.Nemesis.MIXED, 43, 30_000, NODES, all));
  }

  @Test
  void windowsFitTheFaultPeriodWithoutOverlapping() {
    Schedule s = Schedule.generate(Schedule.Nemesis.MIXED, 7, 30_000, NODES, EnumSet.allOf(FaultKind.class));
    assertFalse(s.windows().isEmpty());
    long previousEnd = 0;
    for (Schedule.Window w : s.windows()) {
      assertTrue(w.startMillis() >= previousEnd, "windows overlap: " + s);
      previousEnd = w.startMillis() + w.durationMillis();
    }
    assertTrue(s.endMillis() <= 30_000);
  }

  @Test
  void onlySupportedFaultsAreScheduled() {
    for (long seed = 0; seed < 20; seed++) {
      Schedule s = Schedule.generate(Schedule.Nemesis.MIXED, seed, 60_000, NODES, EnumSet.of(FaultKind.KILL));
      s.windows().forEach(w -> w.faults().forEach(f -> assertEquals(FaultKind.KILL, f.kind())));
    }
  }

  @Test
  void noneSchedulesNothing() {
    assertTrue(Schedule.generate(Schedule.Nemesis.NONE, 1, 60_000, NODES, EnumSet.allOf(FaultKind.class)).windows().isEmpty());
  }

  @Test
  void regionFaultsOnlyOnSeveralRegions() {
    var all = EnumSet.allOf(FaultKind.class);
    List<String> regions = List.of("eu-west", "us-east", "ap-south");
    boolean cut = false;
    boolean relay = false;
    for (long seed = 0; seed < 20; seed++) {
      for (Schedule.Window w : Schedule.generate(Schedule.Nemesis.REGION, seed, 60_000, NODES, regions, all).windows()) {
        for (Fault f : w.faults()) {
          assertEquals(FaultKind.REGION_PARTITION, f.kind());
          cut |= f instanceof Fault.CutRegion;
          relay |= f instanceof Fault.RegionRelay r && !r.a().equals(r.c()) && !r.a().equals(r.relay());
        }
      }
      // one region: mixed never schedules a region fault, and the schedule is what it was before regions existed
      Schedule one = Schedule.generate(Schedule.Nemesis.MIXED, seed, 60_000, NODES, all);
      assertEquals(one, Schedule.generate(Schedule.Nemesis.MIXED, seed, 60_000, NODES, List.of("eu-west"), all));
      one.windows().forEach(w -> w.faults().forEach(f -> assertNotEquals(FaultKind.REGION_PARTITION, f.kind())));
    }
    assertTrue(cut && relay, "both region faults should appear in 20 seeds");
  }

  @Test
  void partitionAlwaysCutsOffTheLeaderAndThenAFollowerWithinTwentySeconds() {
    for (long seed = 0; seed < 50; seed++) {
      List<Schedule.Window> w = Schedule.generate(Schedule.Nemesis.PARTITION, seed, 20_000, NODES,
          EnumSet.allOf(FaultKind.class)).windows();
      assertTrue(w.size() >= 2, "seed " + seed + ": " + w);
      assertEquals(List.of(new Fault.Isolate(Fault.LEADER)), w.get(0).faults(), "seed " + seed);
      assertEquals(List.of(new Fault.Isolate(Fault.FOLLOWER)), w.get(1).faults(), "seed " + seed);
    }
  }

  @Test
  void mixedAlwaysHasAPartitionAndAKillWithinTwentySeconds() {
    for (long seed = 0; seed < 50; seed++) {
      Schedule s = Schedule.generate(Schedule.Nemesis.MIXED, seed, 20_000, NODES, EnumSet.allOf(FaultKind.class));
      Set<String> names = new HashSet<>();
      s.windows().forEach(w -> w.faults().forEach(f -> names.add(f.name())));
      assertTrue(names.contains("isolate") || names.contains("bridge"), "seed " + seed + ": " + s);
      assertTrue(names.contains("power-loss"), "seed " + seed + ": " + s);
      // a plain kill too (the kill + partition window), besides the power loss
      assertTrue(names.contains("kill"), "seed " + seed + ": " + s);
    }
  }

  @Test
  void mixedAcrossRegionsAlwaysHasARegionFaultAndAPowerLossWithinTwentySeconds() {
    List<String> regions = List.of("eu-west", "us-east", "ap-south");
    for (long seed = 0; seed < 50; seed++) {
      Schedule s = Schedule.generate(Schedule.Nemesis.MIXED, seed, 20_000, NODES, regions,
          EnumSet.allOf(FaultKind.class));
      Set<String> names = new HashSet<>();
      s.windows().forEach(w -> w.faults().forEach(f -> names.add(f.name())));
      assertTrue(names.contains("cut-region") || names.contains("region-relay"), "seed " + seed + ": " + s);
      assertTrue(names.contains("power-loss"), "seed " + seed + ": " + s);
    }
  }

  @Test
  void mixedIncludesOverloadAndSlowConsumers() {
    Set<String> names = new HashSet<>();
    for (long seed = 0; seed < 200; seed++) {
      Schedule.generate(Schedule.Nemesis.MIXED, seed, 120_000, NODES, EnumSet.allOf(FaultKind.class))
          .windows().forEach(w -> w.faults().forEach(f -> names.add(f.name())));
    }
    assertTrue(names.containsAll(Set.of("overload", "slow-consumer", "membership", "strobe", "kill-majority")),
        names.toString());
  }
}
