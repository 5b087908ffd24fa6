package io.edgekv.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The default fault schedule, drawn from the seed: region partitions (a few regions cut off for
 * seconds), one long partition of one region (long enough that the others' logs drop what it
 * misses, so it comes back by anti-entropy), lossy links, PoP crashes and restarts (never a
 * region's majority), and clock drift and jumps; on top, every message may be lost, duplicated or
 * stalled long enough to overtake later ones. {@link #heal} ends all of it.
 */
final class Faults {
  static final SimNetwork.Faults BACKGROUND = new SimNetwork.Faults(0.005, 0.01, 0.02, 300);
  static final SimNetwork.Faults HEALED = new SimNetwork.Faults(0, 0.01, 0.02, 300);

  private final Simulation sim;
  private final SplittableRandom random;
  private final long until;
  private final List<SimPop> crashed = new ArrayList<>();
  private boolean healed;
  /** When the long partition ended (simulated ms), or -1. */
  long longPartitionEnd = -1;
  String longPartitionRegion = "";
  long partitions;
  long crashes;
  long clockJumps;

  Faults(Simulation sim, SplittableRandom random, long until) {
    this.sim = sim;
    this.random = random;
    this.until = until;
  }

  void start() {
    sim.network().faults(BACKGROUND);
    for (SimPop pop : sim.pops()) {
      pop.simClock().jump(random.nextDouble() * 100 - 50);
      pop.simClock().drift(random.nextDouble() * 100 - 50);
    }
    every(40_000, this::partition);
    every(30_000, this::lossyLink);
    every(20_000, this::crash);
    every(30_000, this::clockJump);
    int regions = sim.regions().size();
    if (until >= 120_000 && regions >= 3) {
      int victim = random.nextInt(regions);
      long start = until / 5;
      long end = until * 9 / 20;
      sim.loop().after(start, () -> {
        if (!healed) {
          sim.network().isolate(victim, true);
          sim.loop().trace("long-partition", victim);
        }
      });
      sim.loop().after(end, () -> {
        if (!healed) {
          sim.network().isolate(victim, false);
          longPartitionEnd = sim.loop().now();
        }
      });
      longPartitionRegion = sim.regions().get(victim).name();
    }
  }

  private void every(long meanMillis, Runnable fault) {
    long gap = Math.max(1, Math.round(-Math.log(1 - random.nextDouble()) * meanMillis));
    if (sim.loop().now() + gap >= until) {
      return;
    }
    sim.loop().after(gap, () -> {
      if (!healed) {
        fault.run();
        every(meanMillis, fault);
      }
    });
  }

  private void partition() {
    int regions = sim.regions().size();
    int[] sides = new int[regions];
    int cut = 1 + random.nextInt(Math.max(1, Math.min(4, regions / 2)));
    for (int i = 0; i < cut; i++) {
      sides[random.nextInt(regions)] = 1 + random.nextInt(2);
    }
    partitions++;
    sim.network().partition(sides);
    sim.loop().trace("partition", cut);
    sim.loop().after(5_000 + random.nextInt(25_000), () -> {
      if (!healed) {
        sim.network().partition(new int[regions]);
      }
    });
  }

  private void lossyLink() {
    int regions = sim.regions().size();
    int a = random.nextInt(regions);
    int b = random.nextInt(regions);
    if (a == b) {
      return;
    }
    sim.network().lossy(a, b, 0.05 + random.nextDouble() * 0.25);
    sim.loop().after(10_000 + random.nextInt(50_000), () -> sim.network().lossy(a, b, 0));
  }

  private void crash() {
    SimRegion region = sim.regions().get(random.nextInt(sim.regions().size()));
    int size = region.pops().size();
    long down = region.pops().stream().filter(p -> !p.up()).count();
    if (size < 3 || down + 1 > (size - 1) / 2) {
      return; // never a region's majority: the regional Raft path is not what is simulated
    }
    SimPop pop = random.nextInt(3) == 0 && region.leader() != null ? region.leader()
        : region.pops().get(random.nextInt(size));
    if (!pop.up()) {
      return;
    }
    crashes++;
    pop.crash();
    crashed.add(pop);
    sim.loop().after(3_000 + random.nextInt(27_000), () -> {
      if (!healed) {
        pop.restart();
        crashed.remove(pop);
      }
    });
  }

  private void clockJump() {
    List<SimPop> pops = sim.pops();
    SimPop pop = pops.get(random.nextInt(pops.size()));
    double jump = (20 + random.nextDouble() * 280) * (random.nextBoolean() ? 1 : -1);
    clockJumps++;
    pop.simClock().jump(jump);
    sim.loop().trace("clock-jump", Math.round(jump));
  }

  /** Ends every fault: links heal, crashed PoPs restart, clocks are resynchronised, only benign network noise stays. */
  void heal() {
    healed = true;
    sim.network().heal();
    sim.network().faults(HEALED);
    for (SimPop pop : new ArrayList<>(crashed)) {
      pop.restart();
    }
    crashed.clear();
    for (SimPop pop : sim.pops()) {
      pop.simClock().resync();
    }
    sim.loop().trace("heal");
  }
}
