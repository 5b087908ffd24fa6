package io.edgekv.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tombstone collection around a long partition, the case the 10-minute 200-PoP run caught
 * (docs/simulation.md): the cut-off region outlasts the replication log's retention and comes
 * back by anti-entropy while tombstones are collected with a short grace. No tombstone may be
 * collected before every region applied it, and no deleted or purged key may come back (with
 * collection by version vectors, seed 19 brought a key back); and the run must have exercised
 * what it is about: anti-entropy after the partition, and tombstones actually collected.
 *
 * <p>Every other checker must hold too: these runs found anti-entropy losing counter increments
 * (seeds 4, 6 and 8: two regions' copies with the same version and total from different slots
 * compared equal, and the repair's vector then told each it had the other's increments), fixed
 * by digesting a counter's slots (docs/simulation.md).
 */
class TombstoneCollectionTest {
  /**
   * Four regions of one PoP for 120 s (the shortest run with a long partition): the long partition
   * (20% to 45% of the run, 30 s) holds about 300 of the cut-off region's mutations, beyond a
   * 64-entry log; 300 keys, so deletes and purges hit keys other regions write; a 2 s grace.
   */
  static SimOptions afterALongPartition(long seed) {
    return new SimOptions(4, 1, seed, 120_000, 40, 64, 300, 64, 2_000, 500, 200, true, false, 600_000);
  }

  @Test
  void noTombstoneIsCollectedBeforeEveryRegionAppliedIt() {
    int seeds = Integer.getInteger("sim.tombstoneSeeds", 20);
    for (long seed = 1; seed <= seeds; seed++) {
      SimResult result = Simulation.run(afterALongPartition(seed));
      for (String checker : result.checkers().keySet()) {
        if (!"valid".equals(result.checkers().get(checker))) {
          fail("seed " + seed + ": " + checker + " failed: " + result.failures()
              + " (TombstoneCollectionTest.afterALongPartition)");
        }
      }
      assertTrue(result.antiEntropyAfterPartitionBytes() > 0, "seed " + seed + ": no anti-entropy after the partition");
      assertTrue(collected(result.tombstones()), "seed " + seed + ": no tombstone was ever collected");
    }
  }

  /** Whether the mean tombstones per PoP ever went down between samples. */
  private static boolean collected(List<long[]> samples) {
    for (int i = 1; i < samples.size(); i++) {
      if (samples.get(i)[1] < samples.get(i - 1)[1]) {
        return true;
      }
    }
    return false;
  }
}
