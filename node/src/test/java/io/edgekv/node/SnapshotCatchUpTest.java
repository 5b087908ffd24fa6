package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.node.config.ByteSize;
import io.edgekv.node.testing.MiniKvCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A follower that was down while the leader snapshotted and purged its log catches up from the snapshot. */
class SnapshotCatchUpTest {
  private static final int KEYS = 400;

  @Test
  void followerBehindThePurgedLogInstallsTheLeadersSnapshot() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder()
        .maxValueBytes(16 << 10)
        .raft(MiniKvCluster.FAST_RAFT.withLog(50, ByteSize.ofKiB(64)))
        .start()) {
      EdgeKvClient client = cluster.client();
      client.put("before", "down");
      int leader = cluster.leaderIndex().orElseThrow();
      int follower = (leader + 1) % cluster.size();
      MiniKvCluster.await(Duration.ofSeconds(30), "follower applied the first write",
          () -> cluster.node(follower).replica().appliedIndex(0).get() >= cluster.node(leader).replica().appliedIndex(0).get());
      long followerApplied = cluster.node(follower).replica().appliedIndex(0).get();
      cluster.kill(follower);

      String value = "v".repeat(400);
      for (int i = 0; i < KEYS; i++) {
        client.put("snap/" + i, value + i);
      }
      int currentLeader = cluster.leaderIndex().orElseThrow();
      MiniKvCluster.await(Duration.ofSeconds(30), "leader purged its log past the follower's position",
          () -> cluster.node(currentLeader).replica().logStartIndex(0) > followerApplied + 1);

      cluster.startNode(follower);
      EdgeKvClient reader = cluster.client(List.of(cluster.publicAddress(follower)));
      MiniKvCluster.await(Duration.ofSeconds(60), "follower has every write after installing the snapshot", () -> {
        GetResult last = reader.get("snap/" + (KEYS - 1));
        return last.found() && reader.get("before").found();
      });
      for (int i = 0; i < KEYS; i++) {
        GetResult r = reader.get("snap/" + i);
        assertTrue(r.found() && r.valueAsString().equals(value + i), "snap/" + i + " on the caught-up follower");
      }
      // And it keeps applying new writes after the swap of its RocksDB.
      client.put("after", "snapshot");
      MiniKvCluster.await(Duration.ofSeconds(30), "follower applies writes after the snapshot",
          () -> reader.get("after").found());
      // A restart after installing a snapshot keeps the data (no double apply, no loss).
      cluster.restart(follower);
      EdgeKvClient again = cluster.client(List.of(cluster.publicAddress(follower)));
      MiniKvCluster.await(Duration.ofSeconds(30), "restarted follower still has its data",
          () -> again.get("snap/0").found() && again.get("after").found());
    }
  }
}
