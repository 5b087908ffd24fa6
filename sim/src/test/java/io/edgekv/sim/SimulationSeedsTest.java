package io.edgekv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/**
 * Many small seeds of the deterministic simulation: every checker must hold on every seed. The
 * number of seeds is the {@code sim.seeds} system property (200 in {@code verify}, thousands with
 * {@code -Psim}); a failing seed is reported with the command that replays it.
 */
class SimulationSeedsTest {
  private static SimOptions small(long seed) {
    // Two to four regions of one to three PoPs, 4 s each: small enough for hundreds of seeds a build.
    int regions = 2 + (int) (seed % 3);
    int pops = 1 + (int) ((seed / 3) % 3);
    return SimOptions.defaults(regions, pops, seed, 4_000).withWorkload(30, 256);
  }

  @Test
  void everySeedKeepsEveryInvariant() {
    int seeds = Integer.getInteger("sim.seeds", 200);
    for (long seed = 1; seed <= seeds; seed++) {
      SimOptions options = small(seed);
      SimResult result = Simulation.run(options);
      if (!result.valid()) {
        fail("seed " + seed + " failed: " + result.failures() + "; replay: ./edgekv sim --regions " + options.regions()
            + " --pops-per-region " + options.popsPerRegion() + " --seed " + seed + " --duration 4s"
            + " --writes-per-second 30 --value-bytes 256");
      }
    }
  }

  @Test
  void aSeedReplaysBitForBitAndAnotherSeedDoesNot() {
    SimResult first = Simulation.run(small(3));
    SimResult again = Simulation.run(small(3));
    SimResult other = Simulation.run(small(6));
    assertEquals(first.digest(), again.digest(), "the same seed must give the same trace digest");
    assertEquals(first.toJson().replaceAll("\"wallSeconds\":[0-9.]+,", ""),
        again.toJson().replaceAll("\"wallSeconds\":[0-9.]+,", ""), "and the same figures");
    assertNotEquals(first.digest(), other.digest(), "another seed is another run");
  }

  @Test
  void aMergeThatIgnoresTheClockIsCaught() {
    for (long seed = 1; seed <= 20; seed++) {
      SimResult result = Simulation.run(SimOptions.defaults(3, 2, seed, 20_000).withIgnoreHlc(true));
      if (!result.valid()) {
        assertTrue(result.checkers().containsValue("invalid"), "a checker names the broken merge: " + result.failures());
        return;
      }
    }
    fail("lww-ignore-hlc passed 20 seeds: the checkers cannot tell last-writer-wins from last-to-arrive");
  }
}
