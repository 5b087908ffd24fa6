package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.ReadOptions;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.replication.raft.GroupInfo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.util.CodeInjectionForTesting;
import org.junit.jupiter.api.Test;

/**
 * A leader cut off from its group keeps believing it leads until its election timeout passes
 * without a majority's answer; meanwhile the others elect a new leader and commit writes. A STRONG
 * read on the deposed leader must then fail, or see those writes: it must never answer with the
 * value it had (the chaos suite's register/mixed run caught exactly that, docs/consistency.md).
 * Nor may a BOUNDED read once the bound has passed since the cut: the deposed leader's staleness
 * counts from its majority's last answers, not from its role (cache-staleness/mixed caught a
 * near cache trusting such a leader).
 *
 * <p>Node 0 gets a long maximum election timeout (it notices the lost majority only after 60 s,
 * as a stalled or overloaded leader does late) and leads; the Raft messages between it and the
 * others are then dropped (Ratis' own test injection points, this JVM only), while the nodes'
 * internal and public ports stay reachable, as in the chaos run, where clients reached the
 * isolated node.
 */
class DeposedLeaderReadTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String APPEND_ENTRIES = "RaftServerImpl.appendEntries";
  private static final String REQUEST_VOTE = "RaftServerImpl.requestVote";

  @Test
  void strongReadOnADeposedLeaderNeverReturnsTheValueItHad() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3)
        .raft(0, NodeConfig.RaftSettings.DEFAULT.withTimeouts(Duration.ofMillis(400), Duration.ofSeconds(60), Duration.ofSeconds(3))).start()) {
      String isolated = cluster.config(0).nodeId();
      moveLeadershipTo(cluster, 0);
      EdgeKvClient onIsolated = pinned(cluster, 0);
      EdgeKvClient all = cluster.client();
      all.put("k", "old");
      // STRONG reads before the cut: the leader has confirmed its leadership at this commit index.
      for (int i = 0; i < 3; i++) {
        assertEquals("old", onIsolated.get("k", ReadOptions.of(Consistency.STRONG)).valueAsString());
      }
      long term = cluster.node(0).replica().groups().get(0).term();
      try {
        CodeInjectionForTesting.Code cut = (local, remote, args) -> {
          if (isolated.equals(String.valueOf(local)) != isolated.equals(String.valueOf(remote))) {
            throw new Partitioned(isolated);
          }
          return false;
        };
        CodeInjectionForTesting.put(APPEND_ENTRIES, cut);
        CodeInjectionForTesting.put(REQUEST_VOTE, cut);
        MiniKvCluster.await(WAIT, "node 1 or 2 leads a later term", () -> newLeader(cluster, term).isPresent());
        int leader = newLeader(cluster, term).orElseThrow();
        assertTrue(cluster.node(0).replica().groups().get(0).isLeader(),
            "node 0 should still believe it leads (its election timeout is 60 s)");
        cluster.client(List.of(cluster.publicAddress(leader))).put("k", "new");

        for (int i = 0; i < 3; i++) {
          try {
            GetResult read = onIsolated.get("k", ReadOptions.of(Consistency.STRONG));
            assertEquals("new", read.valueAsString(), "STRONG read #" + i + " on the deposed leader " + isolated
                + " (served by " + read.servedBy().node() + ") after 'new' was acknowledged in term > " + term);
          } catch (AssertionError e) {
            throw e;
          } catch (RuntimeException refused) {
            // UNAVAILABLE or deadline: the deposed leader cannot confirm a read index. Correct.
          }
        }
        // BOUNDED reads and Watch progress rest on the node's own staleness: a leader is current
        // only as of its majority's answers, so the deposed one knows it is falling behind.
        MiniKvCluster.await(WAIT, "the deposed leader's staleness passes 1 s",
            () -> cluster.node(0).replica().stalenessMillis(0) > 1_000);
        for (int i = 0; i < 3; i++) {
          try {
            GetResult read = onIsolated.get("k", ReadOptions.bounded(Duration.ofSeconds(1)));
            assertEquals("new", read.valueAsString(), "BOUNDED (1 s) read #" + i + " on the deposed leader "
                + isolated + " more than 1 s after it was cut off");
          } catch (AssertionError e) {
            throw e;
          } catch (RuntimeException refused) {
            // UNAVAILABLE or deadline: too stale to answer alone, and no read index. Correct.
          }
        }
        assertTrue(cluster.node(0).replica().groups().get(0).isLeader(),
            "the checks above only count while node 0 still believes it leads");
      } finally {
        CodeInjectionForTesting.remove(APPEND_ENTRIES);
        CodeInjectionForTesting.remove(REQUEST_VOTE);
      }
    }
  }

  /** A dropped Raft message (no stack trace: Ratis logs every one). */
  private static final class Partitioned extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Partitioned(String node) {
      super("partitioned from " + node + " (test)");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** A client of node {@code node} only, with a short deadline and no retry elsewhere. */
  private EdgeKvClient pinned(MiniKvCluster cluster, int node) {
    return cluster.client(List.of(cluster.publicAddress(node)), Duration.ofSeconds(2), 1);
  }

  private static Optional<Integer> newLeader(MiniKvCluster cluster, long term) {
    for (int i = 1; i < cluster.size(); i++) {
      GroupInfo g = cluster.node(i).replica().groups().get(0);
      if (g.isLeader() && g.term() > term) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  private static void moveLeadershipTo(MiniKvCluster cluster, int node) throws Exception {
    String target = cluster.config(node).nodeId();
    int leader = cluster.leaderIndex().orElseThrow();
    if (leader != node) {
      cluster.node(leader).replica().membership().transferLeadership(0, target, WAIT).get(WAIT.toSeconds(),
          TimeUnit.SECONDS);
    }
    MiniKvCluster.await(WAIT, "node " + node + " leads and every node knows it", () -> {
      for (int i = 0; i < cluster.size(); i++) {
        if (!target.equals(cluster.node(i).replica().groups().get(0).leader())
            && !(i == node && cluster.node(i).replica().groups().get(0).isLeader())) {
          return false;
        }
      }
      return true;
    });
    assertTrue(cluster.leaderIndex().filter(i -> i == node).isPresent(), "node " + node + " leads");
  }
}
