package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.api.v1.ShardMembers;
import io.edgekv.client.AdminClient;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.RetryPolicy;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Membership and leadership operations end within their timeout, refuse mistakes, and a removed member says so. */
class BoundedMembershipTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final List<EdgeKvClient> opened = new ArrayList<>();

  @AfterEach
  void closeClients() {
    opened.forEach(EdgeKvClient::close);
  }

  private AdminClient admin(MiniKvCluster cluster, int node, Duration deadline) {
    EdgeKvClient client = EdgeKvClient.builder().endpoints(List.of(cluster.publicAddress(node))).deadline(deadline)
        .retryPolicy(RetryPolicy.builder().maxAttempts(1).build()).build();
    opened.add(client);
    return client.admin();
  }

  private static List<String> memberIds(MembershipResponse members, int shard) {
    ShardMembers group = members.getShards(shard);
    return group.getMembersList().stream().map(m -> m.getId() + "@" + m.getHost() + ":" + m.getRaftPort()).sorted()
        .toList();
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void addingAnUnreachableNodeFailsWithinItsTimeoutAndLeavesTheRegionAsItWas() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().shards(2).start()) {
      AdminClient admin = admin(cluster, 0, Duration.ofSeconds(20));
      MembershipResponse before = admin.members();

      long start = System.nanoTime();
      EdgeKvException failed = assertThrows(EdgeKvException.class,
          () -> admin.addNode("node-9", "127.0.0.1", unusedPort()));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertEquals(Status.Code.UNAVAILABLE, failed.code(), failed.toString());
      assertTrue(failed.description().contains("node-9"), failed.description());
      assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "add-node took " + took);
      MiniKvCluster.await(WAIT, "the configuration is the one before the add", () -> {
        MembershipResponse now = admin.members();
        return memberIds(now, 0).equals(memberIds(before, 0)) && memberIds(now, 1).equals(memberIds(before, 1));
      });
      EdgeKvClient client = cluster.client();
      client.put("after-failed-add", "ok");
      assertEquals("ok", client.get("after-failed-add").valueAsString());
      AtomicReference<String> lastError = new AtomicReference<>("");
      MiniKvCluster.await(WAIT, "transfer-leader works again (last error: " + lastError + ")", () -> {
        int leader = cluster.leaderIndex().orElse(-1);
        if (leader < 0) {
          return false;
        }
        String target = cluster.config((leader + 1) % 3).nodeId();
        try {
          admin.transferLeader(0, target);
          return target.equals(cluster.node(0).replica().leader(0));
        } catch (EdgeKvException e) {
          lastError.set(e.toString());
          return false;
        }
      });
    }
  }

  /**
   * The leader gives up a new member that makes no progress only after its staging timeout (3 ×
   * the election timeout, 6 s here), and only when it is otherwise idle; with writes flowing and
   * a shorter timeout the node must abandon the change itself.
   */
  @Test
  void addingAnUnreachableNodeUnderLoadWithATimeoutShorterThanTheLeadersAbandonsTheChange() throws Exception {
    // The leader gives up staging after 3 x its election timeout, 6-9 s here; the call's 5 s
    // deadline is shorter and leaves the server 1 s to answer (3 s was too tight for a loaded CI).
    Duration deadline = Duration.ofSeconds(5);
    try (MiniKvCluster cluster = MiniKvCluster.builder()
        .raft(NodeConfig.RaftSettings.DEFAULT.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3),
            Duration.ofSeconds(3))).start()) {
      AdminClient admin = admin(cluster, 0, deadline);
      MembershipResponse before = admin.members();
      EdgeKvClient client = cluster.client();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          try {
            client.put("load/" + i, "v");
          } catch (EdgeKvException e) {
            // refused while the leader steps down: not the point here
          }
        }
      }, "writer");
      writer.start();
      try {
        long start = System.nanoTime();
        EdgeKvException failed = assertThrows(EdgeKvException.class,
            () -> admin.addNode("node-9", "127.0.0.1", unusedPort()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(Status.Code.UNAVAILABLE, failed.code(), failed.toString());
        assertTrue(took.compareTo(deadline) < 0, "add-node took " + took);
      } finally {
        stop.set(true);
        writer.join();
      }
      MiniKvCluster.await(WAIT, "the configuration is the one before the add",
          () -> memberIds(admin.members(), 0).equals(memberIds(before, 0)));
      AtomicReference<String> lastError = new AtomicReference<>("");
      MiniKvCluster.await(Duration.ofSeconds(20), "transfer-leader works again (last error: " + lastError + ")", () -> {
        int leader = cluster.leaderIndex().orElse(-1);
        if (leader < 0) {
          return false;
        }
        String target = cluster.config((leader + 1) % 3).nodeId();
        try {
          admin.transferLeader(0, target);
          return true;
        } catch (EdgeKvException e) {
          lastError.set(e.toString());
          return false;
        }
      });
      client.put("after-failed-add", "ok");
    }
  }

  @Test
  void membershipMistakesAreRefusedAndARemovedMemberStopsClaimingReadiness() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().start()) {
      AdminClient admin = admin(cluster, 0, Duration.ofSeconds(30));
      MembershipResponse before = admin.members();
      var node1 = cluster.config(1).self();

      EdgeKvException unknown = assertThrows(EdgeKvException.class, () -> admin.removeNode("node-7", true));
      assertEquals(Status.Code.INVALID_ARGUMENT, unknown.code());
      assertTrue(unknown.description().contains("node-7"), unknown.description());
      EdgeKvException movedId = assertThrows(EdgeKvException.class,
          () -> admin.addNode(node1.id(), node1.host(), unusedPort()));
      assertEquals(Status.Code.INVALID_ARGUMENT, movedId.code());
      assertTrue(movedId.description().contains(node1.id()), movedId.description());
      EdgeKvException takenAddress = assertThrows(EdgeKvException.class,
          () -> admin.addNode("node-9", node1.host(), node1.raftPort()));
      assertEquals(Status.Code.INVALID_ARGUMENT, takenAddress.code());
      assertTrue(takenAddress.description().contains(node1.id()), takenAddress.description());
      EdgeKvException belowThree = assertThrows(EdgeKvException.class, () -> admin.removeNode("node-2"));
      assertEquals(Status.Code.FAILED_PRECONDITION, belowThree.code());
      assertTrue(belowThree.description().contains("--force"), belowThree.description());
      assertEquals(memberIds(before, 0), memberIds(admin.members(), 0));

      MembershipResponse after = admin.removeNode("node-2", true);
      assertEquals(2, after.getShards(0).getMembersCount(), after.toString());

      HttpClient http = HttpClient.newHttpClient();
      URI readyz = URI.create("http://" + cluster.config(2).self().httpAddress() + "/readyz");
      AtomicReference<String> body = new AtomicReference<>("");
      MiniKvCluster.await(WAIT, "the removed node is not ready with reason 'removed' (last: " + body + ")", () -> {
        try {
          HttpResponse<String> response = http.send(HttpRequest.newBuilder(readyz).build(),
              HttpResponse.BodyHandlers.ofString());
          body.set(response.statusCode() + " " + response.body());
          return response.statusCode() == 503 && response.body().contains("removed");
        } catch (IOException | InterruptedException e) {
          body.set(e.toString());
          return false;
        }
      });
      EdgeKvClient direct = cluster.client(List.of(cluster.publicAddress(2)));
      EdgeKvException refused = assertThrows(EdgeKvException.class, () -> direct.get("anything"));
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.code(), refused.toString());
      assertTrue(refused.description().contains("node-2 was removed from region"), refused.description());
      // 30 s deadlines: under load (verify beside a chaos suite) these calls took over 10 s
      var status = admin(cluster, 2, Duration.ofSeconds(30)).status(true).getNodes(0);
      assertTrue(status.getNotReadyReasonsList().stream().anyMatch(r -> r.startsWith("removed")), status.toString());
      cluster.client(List.of(cluster.publicAddress(0), cluster.publicAddress(1)), Duration.ofSeconds(30), 6)
          .put("after-remove", "ok");
    }
  }

  @Test
  void drainFailsWhenLeadershipCannotMove() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().nodesPerRegion(1).start()) {
      AdminClient admin = admin(cluster, 0, Duration.ofSeconds(10));

      EdgeKvException failed = assertThrows(EdgeKvException.class, admin::drain);

      assertEquals(Status.Code.FAILED_PRECONDITION, failed.code(), failed.toString());
      assertTrue(failed.description().contains("shard 0"), failed.description());
      assertTrue(cluster.node(0).readiness().draining(), "the node is drained all the same");
    }
  }
}
