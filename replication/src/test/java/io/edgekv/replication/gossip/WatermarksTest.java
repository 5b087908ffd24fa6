package io.edgekv.replication.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.ReplicaView;
import io.edgekv.replication.storage.KvEngine;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The applied watermark a region reports for tombstone collection: what it has applied of every region. */
class WatermarksTest {
  private static final List<String> REGIONS = List.of("eu-west", "us-east", "ap-south");

  /** A replica of eu-west whose applied stamps the test sets. */
  private static final class Replica implements ReplicaView {
    AppliedStamps stamps = AppliedStamps.NONE;

    @Override
    public String region() {
      return "eu-west";
    }

    @Override
    public String nodeId() {
      return "eu-west-1";
    }

    @Override
    public HybridClock clock() {
      return new HybridClock(Clock.systemUTC());
    }

    @Override
    public List<GroupInfo> groups() {
      return List.of();
    }

    @Override
    public <T> T read(int shard, Function<KvEngine, T> reader) {
      throw new UnsupportedOperationException("no storage in this test");
    }

    @Override
    public AppliedStamps appliedStamps(int shard) {
      return stamps;
    }
  }

  @Test
  void aRegionNeverHeardFromKeepsTheWatermarkAtZero() {
    Replica replica = new Replica();
    Watermarks watermarks = new Watermarks(replica, REGIONS);
    replica.stamps = new AppliedStamps(Map.of("us-east", 500L), 900, Map.of("us-east", 5L, "eu-west", 3L));
    assertEquals(0, watermarks.watermark(0), "nothing is known of ap-south");
  }

  @Test
  void theWatermarkIsTheLeastOfTheOwnEntryStampAndTheOtherOriginsStamps() {
    Replica replica = new Replica();
    Watermarks watermarks = new Watermarks(replica, REGIONS);
    replica.stamps = new AppliedStamps(Map.of("us-east", 500L, "ap-south", 700L, "eu-west", 400L), 900,
        Map.of("us-east", 5L, "ap-south", 2L, "eu-west", 3L));
    assertEquals(500, watermarks.watermark(0));
    replica.stamps = new AppliedStamps(Map.of("us-east", 1_000L, "ap-south", 700L), 650,
        Map.of("us-east", 6L, "ap-south", 2L, "eu-west", 3L));
    assertEquals(650, watermarks.watermark(0), "this region's own part is its last entry's stamp");
  }

  @Test
  void aClaimCountsOnlyOnceTheVectorReachesItsSequence() {
    Replica replica = new Replica();
    Watermarks watermarks = new Watermarks(replica, REGIONS);
    replica.stamps = new AppliedStamps(Map.of("us-east", 500L, "ap-south", 700L), 5_000,
        Map.of("us-east", 5L, "ap-south", 2L));
    // ap-south says: everything it stamped up to 3,000 has a sequence up to 4; this replica has 2.
    watermarks.claimed(0, "ap-south", 4, 3_000);
    watermarks.claimed(0, "us-east", 6, 2_000);
    assertEquals(500, watermarks.watermark(0), "us-east's mutation 6 and ap-south's 3 and 4 are still to come");
    replica.stamps = new AppliedStamps(Map.of("us-east", 500L, "ap-south", 800L), 5_000,
        Map.of("us-east", 6L, "ap-south", 4L));
    assertEquals(2_000, watermarks.watermark(0), "both claims are covered now");
    watermarks.claimed(0, "us-east", 5, 1_500);
    assertEquals(2_000, watermarks.watermark(0), "an older claim, reordered, changes nothing");
    watermarks.claimed(0, "eu-west", 99, 99_000);
    assertEquals(2_000, watermarks.watermark(0), "a claim about this region's own mutations is not taken");
  }

  @Test
  void thisRegionsClaimIsItsSequenceAsOfItsLastEntry() {
    Replica replica = new Replica();
    replica.stamps = new AppliedStamps(Map.of(), 900, Map.of("eu-west", 12L));
    assertEquals(new Watermarks.Claim(12, 900), new Watermarks(replica, REGIONS).ownClaim(0));
  }
}
