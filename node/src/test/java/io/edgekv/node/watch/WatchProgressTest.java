package io.edgekv.node.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.api.v1.WatchRequest;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.NearCache;
import io.edgekv.client.Watch;
import io.edgekv.client.WatchListener;
import io.edgekv.client.WatchOptions;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WATCH_PROGRESS events and the near cache's staleness bound while its watch stays connected to
 * a node that lost its region's leader (a cluster per test: the second one stops nodes).
 */
class WatchProgressTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private MiniKvCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private EdgeKvClient client(int node) {
    return EdgeKvClient.builder().endpoints(List.of(cluster.publicAddress(node))).namespace("progress")
        .deadline(Duration.ofSeconds(5)).build();
  }

  @Test
  void progressEventsComeAtTheAskedIntervalAndFollowTheChangesBeforeThem() {
    try (EdgeKvClient client = client(1); InvalidationClient invalidation = InvalidationClient.of(client)) {
      List<Object> seen = new CopyOnWriteArrayList<>();
      try (Watch watch = invalidation.watch(WatchOptions.builder().prefix("p/")
          .progressInterval(Duration.ofMillis(100)).build(), new WatchListener() {
            @Override
            public void onEvent(InvalidationEvent event) {
              seen.add(event);
            }

            @Override
            public void onReset(String reason) {
              seen.add("reset");
            }

            @Override
            public void onProgress(Duration staleness) {
              seen.add(staleness);
            }
          })) {
        watch.awaitWatching(WAIT);
        client.put("p/a", "1");
        MiniKvCluster.await(WAIT, "a progress event after the change", () -> {
          int change = -1;
          for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i) instanceof InvalidationEvent) {
              change = i;
            } else if (change >= 0 && seen.get(i) instanceof Duration) {
              return true;
            }
          }
          return false;
        });
        MiniKvCluster.await(WAIT, "progress keeps coming while nothing changes",
            () -> seen.stream().filter(o -> o instanceof Duration).count() >= 5);
        Duration last = (Duration) seen.stream().filter(o -> o instanceof Duration).reduce((a, b) -> b).orElseThrow();
        assertTrue(last.compareTo(Duration.ofSeconds(1)) < 0, "a follower in touch with its leader: " + last);
        assertTrue(seen.stream().noneMatch("reset"::equals), seen.toString());
      }
    }
  }

  @Test
  void anIntervalOutsideTheLimitsIsRefusedNamingTheField() {
    // The client's builder refuses it; a raw request shows the server's answer.
    assertThrows(IllegalArgumentException.class, () -> WatchOptions.builder().progressInterval(Duration.ofMillis(50)));
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.publicAddress(0)).usePlaintext().build();
    try {
      InvalidationServiceGrpc.InvalidationServiceBlockingStub stub = InvalidationServiceGrpc.newBlockingStub(channel);
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> stub.watch(WatchRequest.newBuilder().setNamespace("progress").setProgressIntervalMs(50).build())
              .hasNext());
      assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
      assertTrue(refused.getStatus().getDescription().contains("progress_interval_ms"), refused.toString());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void nearCacheStopsServingOnceItsConnectedNodeLostTheLeaderForLongerThanTheBound() {
    int follower = cluster.leaderIndex().map(leader -> (leader + 1) % 3).orElse(2);
    try (EdgeKvClient client = client(follower);
        NearCache cache = NearCache.builder(client).maxStaleness(Duration.ofSeconds(1)).build()) {
      client.put("k", "v1");
      MiniKvCluster.await(WAIT, "the cache serves k from memory", () -> {
        cache.get("k");
        return cache.stats().hits() > 0 && "v1".equals(cache.get("k").valueAsString());
      });
      for (int i = 0; i < 3; i++) {
        if (i != follower) {
          cluster.kill(i);
        }
      }
      // The watch stays connected to the surviving node, which can no longer be sure it is current:
      // within the bound the entry is served; after it, a read goes to the server (which cannot
      // confirm it without a quorum) instead of memory.
      long hitsBefore = cache.stats().hits();
      MiniKvCluster.await(WAIT, "the cached entry is no longer served once the bound ran out", () -> {
        try {
          cache.get("k");
          return false;
        } catch (EdgeKvException e) {
          return true;
        }
      });
      assertTrue(cache.isLive(), "the watch itself stayed connected");
      assertTrue(cache.stats().hits() >= hitsBefore, cache.stats().toString());
    }
  }
}
