package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.RepairRegionsRequest;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A region that fell behind the replication log's retention is brought up to date by anti-entropy. */
class AntiEntropyTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void regionBehindTheLogRetentionConvergesThroughAntiEntropy() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().regions(3).nodesPerRegion(1)
        .replication(NodeConfig.ReplicationSettings.DEFAULT.withGossipInterval(Duration.ofMillis(100)).withLogRetention(10)).start()) {
      // ap-south is cut off while eu-west writes far more than its log keeps (10 per origin).
      cluster.node(0).wan().cut("ap-south");
      cluster.node(1).wan().cut("ap-south");
      cluster.node(2).wan().cut("eu-west");
      cluster.node(2).wan().cut("us-east");
      EdgeKvClient eu = cluster.client(List.of(cluster.publicAddress(0)));
      for (int i = 0; i < 60; i++) {
        eu.put("ae/" + i, "v" + i);
      }
      eu.delete("ae/0");
      EdgeKvClient ap = cluster.client(List.of(cluster.publicAddress(2)));
      ap.put("ae/from-ap", "island");
      for (int i = 0; i < 3; i++) {
        cluster.node(i).wan().heal();
      }
      // The shipper finds the log no longer holds what ap-south needs and repairs it by digests.
      MiniKvCluster.await(WAIT, "ap-south has every write of eu-west", () -> {
        for (int i = 1; i < 60; i++) {
          var r = ap.get("ae/" + i);
          if (!r.found() || !r.valueAsString().equals("v" + i)) {
            return false;
          }
        }
        return !ap.get("ae/0").found();
      });
      MiniKvCluster.await(WAIT, "eu-west has ap-south's write", () -> eu.get("ae/from-ap").found());
      MiniKvCluster.await(WAIT, "all regions converge to one store digest", () ->
          CrossRegionTestDigests.digest(cluster, 0).equals(CrossRegionTestDigests.digest(cluster, 1))
              && CrossRegionTestDigests.digest(cluster, 0).equals(CrossRegionTestDigests.digest(cluster, 2)));

      // On-demand repair reports nothing left to send once converged.
      ManagedChannel channel = NettyChannelBuilder.forTarget(cluster.publicAddress(0)).usePlaintext().build();
      try {
        var repairs = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .repair(RepairRegionsRequest.getDefaultInstance());
        assertTrue(repairs.getRepairsList().stream().allMatch(r -> r.getError().isEmpty() && r.getDifferingBuckets() == 0),
            repairs.toString());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
