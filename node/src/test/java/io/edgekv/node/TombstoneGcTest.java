package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.replication.storage.EntryKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tombstones are collected once every region has applied them plus the grace, and not before. */
class TombstoneGcTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static boolean stored(MiniKvCluster cluster, int node, String key) {
    return cluster.node(node).replica().reads()
        .entry(0, new EntryKey("default", key.getBytes(StandardCharsets.UTF_8))) != null;
  }

  @Test
  void tombstoneIsKeptWhileARegionLacksItAndCollectedEverywhereAfterwards() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().regions(3).nodesPerRegion(1)
        .replication(NodeConfig.ReplicationSettings.DEFAULT.withGossipInterval(Duration.ofMillis(100))
            .withTombstoneGrace(Duration.ofMillis(500))).start()) {
      EdgeKvClient eu = cluster.client(List.of(cluster.publicAddress(0)));
      eu.put("gone", "soon");
      for (int i = 0; i < 3; i++) {
        int node = i;
        MiniKvCluster.await(WAIT, "the put reached node " + node, () -> stored(cluster, node, "gone"));
      }
      // ap-south is cut off: it has not applied the delete, so nobody may collect the tombstone.
      cluster.node(0).wan().cut("ap-south");
      cluster.node(1).wan().cut("ap-south");
      cluster.node(2).wan().cut("eu-west");
      cluster.node(2).wan().cut("us-east");
      eu.delete("gone");
      MiniKvCluster.await(WAIT, "us-east applied the delete", () -> !cluster.client(List.of(cluster.publicAddress(1)))
          .get("gone").found());
      long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < deadline) {
        assertNotNull(cluster.node(0).replica().reads().entry(0,
            new EntryKey("default", "gone".getBytes(StandardCharsets.UTF_8))),
            "eu-west collected a tombstone that ap-south has not applied");
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
      for (int i = 0; i < 3; i++) {
        cluster.node(i).wan().heal();
      }
      // Once every region has it (plus 500 ms), each region's leader collects it.
      for (int i = 0; i < 3; i++) {
        int node = i;
        MiniKvCluster.await(WAIT, "node " + node + " collected the tombstone", () -> !stored(cluster, node, "gone"));
      }
      assertTrue(!cluster.client(List.of(cluster.publicAddress(2))).get("gone").found());
      // The key can be written again normally.
      cluster.client(List.of(cluster.publicAddress(2))).put("gone", "back");
      MiniKvCluster.await(WAIT, "a new write after collection replicates", () -> eu.get("gone").found());
    }
  }
}
