package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.ReadOptions;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code admin add-node} under mutual TLS: the new node is in no other node's configured
 * topology, so its certificate is accepted on the Raft and internal ports only because the
 * replicated Raft membership holds it once it is added (docs/security.md, Transport). It catches
 * up, takes over leadership, and serves what was written before and after.
 */
class SecureMembershipTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void aNodeAddedAtRunTimeIsTrustedThroughTheReplicatedMembership() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().secure().spareNodes(1).start()) {
      cluster.awaitLeaders(WAIT);
      int spare = 3;
      NodeConfig.NodeAddress address = cluster.config(spare).self();
      assertTrue(cluster.config(0).topology().node(address.id()).isEmpty(), "the spare is not in node-0's topology");
      EdgeKvClient client = cluster.client(List.of(cluster.publicAddress(0)));
      client.put("before-add", "1");
      cluster.startNode(spare);
      MembershipResponse added = client.admin().addNode(address.id(), address.host(), address.raftPort());
      assertEquals(4, added.getShards(0).getMembersCount());
      MiniKvCluster.await(WAIT, "the new member to catch up over mutual TLS", () ->
          cluster.node(spare).replica().appliedIndex(0).get() >= cluster.node(0).replica().appliedIndex(0).get());

      client.admin().transferLeader(0, address.id());
      MiniKvCluster.await(WAIT, "the new member to lead", () -> cluster.leaderIndex().orElse(-1) == spare);
      EdgeKvClient viaSpare = cluster.client(List.of(cluster.publicAddress(spare)));
      viaSpare.put("after-add", "2");
      assertEquals("1", viaSpare.get("before-add", ReadOptions.of(Consistency.STRONG)).valueAsString());
      assertEquals("2", client.get("after-add", ReadOptions.of(Consistency.STRONG)).valueAsString());
    }
  }
}
