package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.CoalescingReader;
import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.ReadOptions;
import io.edgekv.node.testing.MiniKvCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Client-side coalescing of concurrent gets into BatchGet, against a real region. */
class CoalescingReaderTest {
  private static final int KEYS = 200;
  private static MiniKvCluster cluster;
  private static EdgeKvClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().start();
    client = cluster.client();
    for (int i = 0; i < KEYS; i++) {
      client.put(key(i), value(i), PutOptions.defaults());
    }
  }

  @AfterAll
  static void stop() {
    client.close();
    cluster.close();
  }

  private static byte[] key(int i) {
    return ("coalesce/" + i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i) {
    return ("value-" + i).getBytes(StandardCharsets.UTF_8);
  }

  /** Fires {@code gets} gets at once (keys cycling over twice the written ones, so half miss and keys repeat). */
  private static void everyGetSeesItsOwnKey(CoalescingReader reader, int gets) throws Exception {
    List<CompletableFuture<GetResult>> results = new ArrayList<>();
    for (int n = 0; n < gets; n++) {
      results.add(reader.get(key(n % (2 * KEYS))));
    }
    for (int n = 0; n < gets; n++) {
      int i = n % (2 * KEYS);
      GetResult r = results.get(n).get(30, TimeUnit.SECONDS);
      assertArrayEquals(key(i), r.key(), "get " + n + " answered for its own key");
      if (i < KEYS) {
        assertTrue(r.found(), "key " + i + " was written");
        assertArrayEquals(value(i), r.entry().orElseThrow().value(), "value of key " + i);
      } else {
        assertFalse(r.found(), "key " + i + " was never written");
      }
    }
  }

  @Test
  void concurrentEventualGetsAreCoalescedAndEachGetsItsOwnAnswer() throws Exception {
    CoalescingReader reader = CoalescingReader.of(client, ReadOptions.of(Consistency.EVENTUAL));
    everyGetSeesItsOwnKey(reader, 1000);
    assertTrue(reader.calls() < 1000 / 4, "1000 concurrent gets went out in " + reader.calls() + " calls");
  }

  @Test
  void strongGetsInOneBatchSeeAWriteThatCompletedBeforeTheyBegan() throws Exception {
    CoalescingReader reader = new CoalescingReader(client, ReadOptions.of(Consistency.STRONG), 1, 64, 4096);
    byte[] k = key(7);
    client.put(k, "rewritten".getBytes(StandardCharsets.UTF_8), PutOptions.defaults());
    List<CompletableFuture<GetResult>> gets = new ArrayList<>();
    for (int n = 0; n < 300; n++) {
      gets.add(reader.get(k));
    }
    for (CompletableFuture<GetResult> g : gets) {
      assertEquals("rewritten", new String(g.get(30, TimeUnit.SECONDS).entry().orElseThrow().value(),
          StandardCharsets.UTF_8));
    }
    // 300 gets of one key: the first alone, then batches holding the key once each
    assertTrue(reader.keysSent() < 300, "duplicate keys sent once per batch: " + reader.keysSent());
    client.put(k, value(7), PutOptions.defaults());
  }

  @Test
  void aSingleGetGoesOutAtOnceAlone() throws Exception {
    CoalescingReader reader = CoalescingReader.of(client, ReadOptions.of(Consistency.EVENTUAL));
    GetResult r = reader.get(key(3)).get(30, TimeUnit.SECONDS);
    assertArrayEquals(value(3), r.entry().orElseThrow().value());
    assertEquals(1, reader.calls());
  }
}
