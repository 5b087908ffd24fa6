package io.edgekv.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tombstone collection around a long partition, the case the 10-minute 200-PoP run caught
 * (docs/simulation.md): the cut-off region outlasts the replication log's retention and comes
 * back by anti-entropy while tombstones are collected with a short grace. Every checker must
 * hold, tombstoneCollection (no tombstone collected before every region applied it) and
 * noResurrection first; and the run must have exercised what it is about: anti-entropy after
 * the partition, and tombstones actually collected.
 */
class TombstoneCollectionTest {
  /**
   * Four regions of two PoPs for 90 s: the long partition (20% to 45% of the run, 22.5 s) holds
   * about 225 of the cut-off region's mutations, beyond a 64-entry log; 300 keys, so deletes and
   * purges hit keys other regions write; a 2 s grace.
   */
  static SimOptions afterALongPartition(long seed) {
    return new SimOptions(4, 2, seed, 90_000, 40, 64, 300, 64, 2_000, 500, 200, true, false, 600_000);
  }

  @Test
  void noTombstoneIsCollectedBeforeEveryRegionAppliedIt() {
    int seeds = Integer.getInteger("sim.tombstoneSeeds", 12);
    for (long seed = 1; seed <= seeds; seed++) {
      SimOptions options = afterALongPartition(seed);
      SimResult result = Simulation.run(options);
      if (!result.valid()) {
        fail("seed " + seed + " failed: " + result.failures() + " (TombstoneCollectionTest.afterALongPartition)");
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
