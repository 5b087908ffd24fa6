package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutResult;
import io.edgekv.client.Version;
import io.edgekv.node.bench.PropagationBench;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.replication.gossip.Receiver;
import io.edgekv.replication.gossip.Shipper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three regions of one node each: propagation, last-writer-wins convergence, relay, clock-skew refusal. */
class CrossRegionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  /**
   * A relay waits by design (docs/replication.md): the receiver lists the origin stale after
   * {@link Receiver#STALE_AFTER_MILLIS}, the relay learns it with the next answer (up to a
   * heartbeat, {@link Shipper#HEARTBEAT_MILLIS}), confirms it for one back-off (5 s) and waits
   * its rank's delay (1 s): 21-26 s. Twice the worst of that, for a loaded machine; a relay that
   * never happens still fails.
   */
  private static final Duration RELAY_WAIT = Duration.ofMillis(
      2 * (Receiver.STALE_AFTER_MILLIS + 2 * Shipper.HEARTBEAT_MILLIS + 1_000));
  private static MiniKvCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().regions(3).nodesPerRegion(1).start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void heal() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.node(i).wan().heal();
      cluster.clock(i).skew(Duration.ZERO);
    }
  }

  private static EdgeKvClient in(int node) {
    return cluster.client(List.of(cluster.publicAddress(node)));
  }

  private static void awaitEverywhere(String key, String value) {
    awaitEverywhere(key, value, WAIT);
  }

  private static void awaitEverywhere(String key, String value, Duration wait) {
    for (int i = 0; i < cluster.size(); i++) {
      EdgeKvClient client = in(i);
      int node = i;
      MiniKvCluster.await(wait, key + "=" + value + " on node " + node, () -> {
        GetResult r = client.get(key);
        return value == null ? !r.found() : r.found() && value.equals(r.valueAsString());
      });
    }
  }

  private static void awaitConvergence() {
    MiniKvCluster.await(WAIT, "every region has the same store digest", () -> {
      String first = CrossRegionTestDigests.digest(cluster, 0);
      for (int i = 1; i < cluster.size(); i++) {
        if (!CrossRegionTestDigests.digest(cluster, i).equals(first)) {
          return false;
        }
      }
      return true;
    });
  }

  @Test
  void writeInOneRegionIsReadInEveryRegion() {
    PutResult put = in(0).put("hello", "world");
    awaitEverywhere("hello", "world");
    assertEquals(put.version(), in(2).get("hello").version(), "every region keeps the origin's version");
    in(1).delete("hello");
    awaitEverywhere("hello", null);
    // Each receiving node measured the propagation of what it applied, per origin region.
    String origin = cluster.node(0).config().region().name();
    for (int i = 1; i < cluster.size(); i++) {
      assertTrue(cluster.node(i).metrics().registry().get("edgekv.replication.propagation")
          .tag("from_region", origin).timer().count() >= 1, "node " + i + " recorded propagation from " + origin);
    }
  }

  @Test
  void propagationBenchSeesEveryWriteReadableInTheOtherRegions() {
    try (PropagationBench bench = new PropagationBench(cluster.publicAddress(0),
        List.of(cluster.publicAddress(1), cluster.publicAddress(2)), "default", cluster.clientCredentials(), 64, WAIT)) {
      bench.connect(WAIT);
      PropagationBench.Result result = bench.run(3, 20, Duration.ofMinutes(2));
      assertEquals(20, result.writes());
      assertEquals(0, result.timeouts());
      assertEquals(0, result.unconfirmed());
      assertEquals(20, result.overall().getTotalCount());
      result.perReader().values().forEach(h -> assertEquals(20, h.getTotalCount()));
    }
  }

  @Test
  void concurrentWritesInAllRegionsConvergeToTheLastWriter() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<PutResult>> writes = new ArrayList<>();
      for (int round = 0; round < 20; round++) {
        for (int region = 0; region < 3; region++) {
          int r = region;
          String value = "r" + region + "-" + round;
          writes.add(pool.submit((Callable<PutResult>) () -> in(r).put("contended", value)));
        }
      }
      Version newest = null;
      String winner = null;
      for (int i = 0; i < writes.size(); i++) {
        PutResult result = writes.get(i).get();
        if (newest == null || result.version().compareTo(newest) > 0) {
          newest = result.version();
          winner = "r" + (i % 3) + "-" + (i / 3);
        }
      }
      awaitEverywhere("contended", winner);
      awaitConvergence();
      for (int i = 0; i < cluster.size(); i++) {
        assertEquals(newest, in(i).get("contended").version());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentIncrementsInEveryRegionAllCount() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int region = 0; region < 3; region++) {
        int r = region;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            in(r).increment("visits", r == 2 ? -1 : 2);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      // 20 x 2 in eu-west, 20 x 2 in us-east, 20 x -1 in ap-south.
      awaitEverywhere("visits", "60");
      awaitConvergence();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sessionTokenGivesReadYourWritesInAnotherRegion() {
    for (int i = 0; i < 5; i++) {
      PutResult put = in(0).put("ryw/" + i, "mine-" + i);
      GetResult read = in(2).get("ryw/" + i, io.edgekv.client.ReadOptions.builder()
          .consistency(io.edgekv.client.Consistency.SESSION).sessionToken(put.sessionToken()).build());
      assertTrue(read.found(), "a SESSION read in ap-south sees the session's write from eu-west");
      assertEquals("mine-" + i, read.valueAsString());
    }
    // While ap-south cannot receive eu-west's writes, it refuses the session read instead of
    // answering without the session's own write.
    cluster.node(0).wan().cut("ap-south");
    cluster.node(1).wan().cut("ap-south");
    PutResult cutOff = in(0).put("ryw/cut", "x");
    io.edgekv.client.EdgeKvException refused = org.junit.jupiter.api.Assertions.assertThrows(
        io.edgekv.client.EdgeKvException.class, () -> in(2).get("ryw/cut", io.edgekv.client.ReadOptions.builder()
            .consistency(io.edgekv.client.Consistency.SESSION).sessionToken(cutOff.sessionToken()).build()));
    assertEquals(io.grpc.Status.Code.UNAVAILABLE, refused.code());
    assertTrue(refused.getMessage().contains("eu-west"), refused.getMessage());
  }

  @Test
  void dataRelaysAroundACutLink() {
    // eu-west (0) cannot reach ap-south (2) directly, nor the other way; us-east (1) relays.
    cluster.node(0).wan().cut("ap-south");
    cluster.node(2).wan().cut("eu-west");
    in(0).put("relayed", "via-us-east");
    awaitEverywhere("relayed", "via-us-east", RELAY_WAIT);
    in(2).put("relayed-back", "also");
    awaitEverywhere("relayed-back", "also", RELAY_WAIT);
  }

  @Test
  void regionCutOffKeepsWritingAndConvergesAfterHeal() {
    cluster.node(2).wan().cut("eu-west");
    cluster.node(2).wan().cut("us-east");
    cluster.node(0).wan().cut("ap-south");
    cluster.node(1).wan().cut("ap-south");
    in(2).put("island", "written-while-cut");
    in(0).put("mainland", "written-while-cut");
    assertTrue(in(2).get("island").found());
    assertTrue(!in(0).get("island").found(), "the cut region's write cannot have crossed yet");
    heal();
    awaitEverywhere("island", "written-while-cut");
    awaitEverywhere("mainland", "written-while-cut");
    awaitConvergence();
  }

  @Test
  void batchesFromARegionWhoseClockRunsAheadAreRefusedUntilItIsBack() {
    cluster.clock(0).skew(Duration.ofSeconds(5));
    PutResult skewed = in(0).put("from-the-future", "x");
    long refusedBefore = (long) cluster.node(1).metrics().refusedClockSkew().count();
    MiniKvCluster.await(WAIT, "us-east refused the skewed batch",
        () -> cluster.node(1).metrics().refusedClockSkew().count() > refusedBefore);
    assertTrue(!in(1).get("from-the-future").found());
    cluster.clock(0).skew(Duration.ZERO);
    // Once the receivers' clocks have passed the timestamp, the batch is accepted.
    // Each receiver retries on its own schedule: wait for both, then compare what they hold.
    MiniKvCluster.await(WAIT, "accepted after the offset shrank",
        () -> in(1).get("from-the-future").found() && in(2).get("from-the-future").found());
    assertEquals(skewed.version(), in(1).get("from-the-future").version());
    assertEquals(skewed.version(), in(2).get("from-the-future").version());
  }
}
