package io.edgekv.node.watch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent.Kind;
import io.edgekv.client.PurgeResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.Watch;
import io.edgekv.client.WatchOptions;
import io.edgekv.node.testing.MiniKvCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three regions of one node each: change events, purges and publishes reach every region's watchers. */
class InvalidationAcrossRegionsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static MiniKvCluster cluster;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().regions(3).nodesPerRegion(1).start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void closeAndHeal() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    for (int i = 0; i < cluster.size(); i++) {
      cluster.node(i).wan().heal();
    }
  }

  private EdgeKvClient client(int node, String namespace) {
    return EdgeKvClient.builder().endpoint(cluster.publicAddress(node)).namespace(namespace)
        .deadline(Duration.ofSeconds(10)).build();
  }

  private InvalidationClient invalidation(int node, String namespace) {
    EdgeKvClient client = client(node, namespace);
    InvalidationClient invalidation = InvalidationClient.of(client);
    opened.add(invalidation);
    opened.add(client);
    return invalidation;
  }

  private EventLog watch(int node, String namespace, WatchOptions options) {
    EventLog log = new EventLog();
    Watch watch = invalidation(node, namespace).watch(options, log);
    watch.awaitWatching(WAIT);
    return log;
  }

  private static String region(int node) {
    return cluster.config(node).region().name();
  }

  @Test
  void everyChangeKindReachesWatchersInEveryRegion() {
    String ns = "kinds";
    List<EventLog> logs = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      logs.add(watch(i, ns, WatchOptions.everything()));
    }
    EdgeKvClient writer = client(0, ns);
    opened.add(writer);
    InvalidationClient invalidation = invalidation(0, ns);
    writer.put("a/1".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().tags(List.of("t1")).build());
    writer.put("a/2", "v");
    writer.delete("a/2");
    writer.put("short-lived".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().ttl(Duration.ofSeconds(1)).build());
    PurgeResult byKey = invalidation.purgeKey("a/1");
    PurgeResult byPrefix = invalidation.purgePrefix("a/", false);
    PurgeResult byTag = invalidation.purgeTag("t1", true);
    invalidation.publish("menu", "changed".getBytes(StandardCharsets.UTF_8), "pub-1");
    invalidation.publish("menu", "changed".getBytes(StandardCharsets.UTF_8), "pub-1");
    for (int i = 0; i < logs.size(); i++) {
      EventLog log = logs.get(i);
      String where = " in region " + region(i);
      MiniKvCluster.await(WAIT, "put" + where, () -> log.has(Kind.PUT, "a/1"));
      MiniKvCluster.await(WAIT, "delete" + where, () -> log.has(Kind.DELETE, "a/2"));
      // Each region's leader sweeps its expired entries; the first sweep's removal replicates
      // to the others as a delete, so a region reports the expiry or that delete.
      MiniKvCluster.await(WAIT, "expiry" + where, () -> log.has(e ->
          (e.kind() == Kind.EXPIRE || e.kind() == Kind.DELETE) && e.keyAsString().equals("short-lived")));
      for (PurgeResult purge : List.of(byKey, byPrefix, byTag)) {
        MiniKvCluster.await(WAIT, "purge " + purge.purgeId() + where,
            () -> log.has(e -> e.kind() == Kind.PURGE && e.purgeId().equals(purge.purgeId())));
      }
      MiniKvCluster.await(WAIT, "publish" + where,
          () -> log.has(e -> e.kind() == Kind.PUBLISH && e.publishId().equals("pub-1")));
      assertTrue(log.has(e -> e.kind() == Kind.PURGE && e.purgeTag().equals("t1") && e.soft()), "soft tag purge" + where);
      assertTrue(log.has(e -> e.kind() == Kind.PURGE && e.purgePrefix().toStringUtf8().equals("a/")), "prefix purge" + where);
      assertTrue(log.resets.isEmpty(), "no reset" + where);
    }
    // The second publish with the same id is applied once per region and delivered once.
    assertTrue(logs.stream().allMatch(l -> l.events.stream().filter(e -> e.kind() == Kind.PUBLISH).count() == 1));
    assertTrue(logs.stream().anyMatch(l -> l.has(Kind.EXPIRE, "short-lived")), "some region's sweep reports an expiry");
  }

  @Test
  void tagPurgeDuringPartitionReachesCutRegionAfterHealAndHidesOlderLateWrite() {
    String ns = "partition";
    EdgeKvClient inRegion1 = client(0, ns);
    EdgeKvClient inRegion3 = client(2, ns);
    opened.add(inRegion1);
    opened.add(inRegion3);
    byte[] key = "product-42-price".getBytes(StandardCharsets.UTF_8);
    inRegion1.put(key, "10".getBytes(StandardCharsets.UTF_8), PutOptions.builder().tags(List.of("product-42")).build());
    MiniKvCluster.await(WAIT, "tagged write in region 3", () -> inRegion3.get(key).found());
    EventLog region3 = watch(2, ns, WatchOptions.builder().tag("product-42").build());

    cutOff(2);
    // Written in region 3 before the purge, so older than it; it reaches region 1 only after the heal.
    inRegion3.put("product-42-stock".getBytes(StandardCharsets.UTF_8), "5".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().tags(List.of("product-42")).build());
    PurgeResult purge = invalidation(0, ns).purgeTag("product-42", false);
    assertFalse(inRegion1.get(key).found(), "purged in region 1 at once");
    assertFalse(region3.has(e -> e.kind() == Kind.PURGE), "the cut region cannot have seen the purge yet");
    assertTrue(inRegion3.get(key).found(), "the cut region still serves the value");

    for (int i = 0; i < cluster.size(); i++) {
      cluster.node(i).wan().heal();
    }
    MiniKvCluster.await(WAIT, "purge event in region 3",
        () -> region3.has(e -> e.kind() == Kind.PURGE && e.purgeId().equals(purge.purgeId())));
    for (int i = 0; i < cluster.size(); i++) {
      EdgeKvClient reader = client(i, ns);
      opened.add(reader);
      String where = " in region " + region(i);
      MiniKvCluster.await(WAIT, "purged" + where, () -> !reader.get(key).found());
      MiniKvCluster.await(WAIT, "older late write stays purged" + where,
          () -> !reader.get("product-42-stock").found());
    }
    InvalidationClient status = invalidation(1, ns);
    MiniKvCluster.await(WAIT, "purge receipts of every region", () -> status.purgeStatus(purge.purgeId()).appliedEverywhere());
  }

  private static void cutOff(int node) {
    String cut = region(node);
    for (int i = 0; i < cluster.size(); i++) {
      if (i == node) {
        for (int j = 0; j < cluster.size(); j++) {
          if (j != node) {
            cluster.node(node).wan().cut(region(j));
          }
        }
      } else {
        cluster.node(i).wan().cut(cut);
      }
    }
  }
}
