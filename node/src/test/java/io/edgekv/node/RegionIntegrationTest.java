package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.ConditionFailedException;
import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import io.edgekv.client.ReadOptions;
import io.edgekv.node.testing.MiniKvCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One region of three nodes in this JVM: the write path, reads on every node, crashes and restarts. */
class RegionIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static MiniKvCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static EdgeKvClient clientOf(int node) {
    return cluster.client(List.of(cluster.publicAddress(node)));
  }

  private static void awaitValueOnEveryRunningNode(String key, String value) {
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.isRunning(i)) {
        continue;
      }
      EdgeKvClient client = clientOf(i);
      int node = i;
      MiniKvCluster.await(WAIT, "node " + node + " has " + key + "=" + value, () -> {
        GetResult result = client.get(key);
        return result.found() && value.equals(result.valueAsString());
      });
    }
  }

  @Test
  void writeOnOneNodeIsReadOnEveryNode() {
    PutResult put = clientOf(0).put("greeting", "hello");
    assertEquals("eu-west", put.version().originRegion());
    awaitValueOnEveryRunningNode("greeting", "hello");
    GetResult read = clientOf(2).get("greeting");
    assertEquals(put.version(), read.version());
    assertEquals(cluster.config(2).nodeId(), read.servedBy().node());
    assertEquals("eu-west", read.servedBy().region());
  }

  @Test
  void acknowledgedWritesSurviveLeaderCrashAndRestart() throws Exception {
    EdgeKvClient client = cluster.client();
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      client.put("before-crash/" + i, "v" + i);
      acknowledged.add("before-crash/" + i);
    }
    int leader = cluster.leaderIndex().orElseThrow();
    cluster.kill(leader);
    for (int i = 0; i < 10; i++) {
      client.put("after-crash/" + i, "v" + i);
      acknowledged.add("after-crash/" + i);
    }
    cluster.startNode(leader);
    cluster.awaitLeaders(WAIT);
    for (String key : acknowledged) {
      awaitValueOnEveryRunningNode(key, "v" + key.substring(key.indexOf('/') + 1));
    }
  }

  @Test
  void restartedFollowerCatchesUpOnWritesItMissed() throws Exception {
    int leader = cluster.leaderIndex().orElseThrow();
    int follower = (leader + 1) % cluster.size();
    cluster.kill(follower);
    EdgeKvClient client = clientOf(leader);
    for (int i = 0; i < 20; i++) {
      client.put("missed/" + i, "v" + i);
    }
    cluster.startNode(follower);
    EdgeKvClient restarted = clientOf(follower);
    MiniKvCluster.await(WAIT, "restarted follower has every missed write", () -> {
      for (int i = 0; i < 20; i++) {
        GetResult r = restarted.get("missed/" + i);
        if (!r.found() || !("v" + i).equals(r.valueAsString())) {
          return false;
        }
      }
      return true;
    });
  }

  @Test
  void onlyOneOfConcurrentIfAbsentPutsWins() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Boolean>> outcomes = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        EdgeKvClient client = clientOf(w % cluster.size());
        String value = "writer-" + w;
        outcomes.add(pool.submit((Callable<Boolean>) () -> {
          try {
            client.put("race".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
                PutOptions.builder().ifAbsent().build());
            return true;
          } catch (ConditionFailedException e) {
            return false;
          }
        }));
      }
      int winners = 0;
      for (Future<Boolean> outcome : outcomes) {
        winners += outcome.get() ? 1 : 0;
      }
      assertEquals(1, winners, "exactly one if-absent put may succeed");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void putIfVersionSucceedsOnlyAgainstTheCurrentVersion() {
    EdgeKvClient client = clientOf(1);
    PutResult first = client.put("cas", "1");
    PutResult second = client.put("cas".getBytes(StandardCharsets.UTF_8), "2".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().ifVersion(first.version()).build());
    assertTrue(second.version().compareTo(first.version()) > 0);
    ConditionFailedException stale = assertThrows(ConditionFailedException.class, () ->
        client.put("cas".getBytes(StandardCharsets.UTF_8), "3".getBytes(StandardCharsets.UTF_8),
            PutOptions.builder().ifVersion(first.version()).build()));
    assertEquals(second.version(), stale.currentVersion().orElseThrow());
    assertEquals("2", client.get("cas", ReadOptions.of(Consistency.STRONG)).valueAsString());
  }

  @Test
  void retryWithTheSameRequestIdAppliesOnce() {
    EdgeKvClient client = clientOf(0);
    PutOptions first = PutOptions.builder().requestId("req-once-1").build();
    PutResult original = client.put("idempotent".getBytes(StandardCharsets.UTF_8),
        "original".getBytes(StandardCharsets.UTF_8), first);
    PutResult retried = client.put("idempotent".getBytes(StandardCharsets.UTF_8),
        "changed".getBytes(StandardCharsets.UTF_8), first);
    assertEquals(original.version(), retried.version(), "a retry returns the first outcome");
    assertEquals("original", client.get("idempotent", ReadOptions.of(Consistency.STRONG)).valueAsString());
  }

  @Test
  void strongAndSessionReadsSeeTheLatestWriteOnAnyNode() {
    PutResult put = clientOf(0).put("fresh", "new");
    for (int i = 0; i < cluster.size(); i++) {
      GetResult strong = clientOf(i).get("fresh", ReadOptions.of(Consistency.STRONG));
      assertEquals("new", strong.valueAsString(), "STRONG read on node " + i);
      GetResult session = clientOf(i).get("fresh", ReadOptions.builder()
          .consistency(Consistency.SESSION).sessionToken(put.sessionToken()).build());
      assertEquals("new", session.valueAsString(), "SESSION read on node " + i);
      assertTrue(session.servedBy().appliedIndex() > 0);
    }
  }

  @Test
  void maximumSizeValueIsReadOnEveryNode() {
    byte[] value = new byte[1 << 20];
    new Random(7).nextBytes(value);
    clientOf(1).put("big".getBytes(StandardCharsets.UTF_8), value, PutOptions.defaults());
    for (int i = 0; i < cluster.size(); i++) {
      EdgeKvClient client = clientOf(i);
      MiniKvCluster.await(WAIT, "node has the 1 MiB value", () -> client.get("big").found());
      assertArrayEquals(value, client.get("big").value());
    }
  }

  @Test
  void deletedKeyReadsAsNotFoundEverywhere() {
    EdgeKvClient client = clientOf(0);
    client.put("doomed", "x");
    assertTrue(client.delete("doomed").existed());
    for (int i = 0; i < cluster.size(); i++) {
      EdgeKvClient reader = clientOf(i);
      MiniKvCluster.await(WAIT, "delete reached node", () -> !reader.get("doomed").found());
    }
    assertFalse(client.delete("doomed").existed());
  }
}
