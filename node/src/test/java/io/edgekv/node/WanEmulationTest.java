package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code replication.wanDelay} (what {@code edgekv dev --wan-delay} sets) puts the emulated WAN
 * in front of the node's links to other regions: a write reaches the other region no sooner
 * than one delay after it was made.
 */
class WanEmulationTest {
  private static final Duration DELAY = Duration.ofMillis(400);

  @Test
  void aWriteReachesTheOtherRegionOnlyAfterTheEmulatedDelay() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().regions(2).nodesPerRegion(1)
        .replication(NodeConfig.ReplicationSettings.DEFAULT.withGossipInterval(Duration.ofMillis(100)).withWan(DELAY, 0)).start()) {
      EdgeKvClient writer = cluster.client(List.of(cluster.publicAddress(0)));
      EdgeKvClient reader = cluster.client(List.of(cluster.publicAddress(1)));
      for (int i = 0; i < 3; i++) {
        String key = "wan-" + i;
        long start = System.nanoTime();
        writer.put(key, "v");
        MiniKvCluster.await(Duration.ofSeconds(30), key + " in the other region", () -> reader.get(key).found());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMillis >= DELAY.toMillis(), key + " crossed a " + DELAY.toMillis() + " ms WAN in " + tookMillis
            + " ms");
      }
    }
  }
}
