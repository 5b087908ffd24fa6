package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ReadOptions;
import io.edgekv.node.api.SessionToken;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Overload and lost quorum: a write storm into a region without quorum does not stop the node
 * from answering EVENTUAL reads, health and admin calls, and the node recovers by itself; a
 * burst into a cold cluster ends; a forged far-ahead session token costs no waiter.
 */
class OverloadTest {
  private MiniKvCluster cluster;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (cluster != null) {
      cluster.close();
    }
  }

  private KvServiceGrpc.KvServiceFutureStub stub(int node) {
    String[] hostPort = cluster.publicAddress(node).split(":");
    ManagedChannel channel = NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
        .usePlaintext().build();
    channels.add(channel);
    return KvServiceGrpc.newFutureStub(channel);
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
        .build();
  }

  private static GetRequest eventualGet(String key) {
    return GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setRead(ReadOptions.newBuilder().setConsistency(Consistency.EVENTUAL)).build();
  }

  private HttpResponse<String> http(int node, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://" + cluster.config(node).self().httpAddress() + path)).timeout(Duration.ofSeconds(3))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void writeStormWithoutQuorumLeavesEventualReadsAndRecoversWithoutRestart() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
    cluster.awaitLeaders(Duration.ofSeconds(30));
    var node0 = stub(0);
    node0.withDeadlineAfter(10, TimeUnit.SECONDS).put(put("before-storm", "kept")).get(15, TimeUnit.SECONDS);
    MiniKvCluster.await(Duration.ofSeconds(10), "node 0 is ready", () -> cluster.node(0).readiness().ready());
    cluster.kill(1);
    cluster.kill(2);

    // 120 writers with a 1 s deadline each, for 4 s, against the node left without quorum.
    long stormEnd = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    Map<Status.Code, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    AtomicLong slowest = new AtomicLong();
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    var writerThreads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    for (int w = 0; w < 120; w++) {
      int writer = w;
      writers.add(CompletableFuture.runAsync(() -> {
        int i = 0;
        while (System.nanoTime() < stormEnd && i < 10_000) {
          long start = System.nanoTime();
          Status.Code code;
          try {
            node0.withDeadlineAfter(1, TimeUnit.SECONDS).put(put("storm-" + writer + "-" + i++, "v"))
                .get(5, TimeUnit.SECONDS);
            code = Status.Code.OK;
          } catch (java.util.concurrent.ExecutionException e) {
            code = Status.fromThrowable(e.getCause()).getCode();
          } catch (Exception e) {
            code = Status.Code.UNKNOWN;
          }
          slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
          outcomes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
        }
      }, writerThreads));
    }
    // During the storm: EVENTUAL reads, readiness (degraded, still 200) and liveness answer promptly.
    int reads = 0;
    while (System.nanoTime() < stormEnd) {
      long start = System.nanoTime();
      GetResponse got = node0.withDeadlineAfter(2, TimeUnit.SECONDS).get(eventualGet("before-storm"))
          .get(3, TimeUnit.SECONDS);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(got.getFound(), "before-storm readable during the storm");
      assertTrue(millis < 1500, "EVENTUAL read during the storm took " + millis + " ms");
      reads++;
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // pacing, not a wait
    }
    assertTrue(reads > 0);
    CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    writerThreads.close();
    assertTrue(TimeUnit.NANOSECONDS.toMillis(slowest.get()) < 3000,
        "every write answered within its deadline (+slack); slowest " + TimeUnit.NANOSECONDS.toMillis(slowest.get())
            + " ms; outcomes " + outcomes);
    assertEquals(0, outcomes.getOrDefault(Status.Code.OK, new AtomicInteger()).get(), "no write commits without quorum");
    assertEquals(0, outcomes.getOrDefault(Status.Code.INTERNAL, new AtomicInteger()).get(), "outcomes " + outcomes);
    MiniKvCluster.await(Duration.ofSeconds(15), "node 0 reports degraded while ready",
        () -> cluster.node(0).readiness().ready() && !cluster.node(0).readiness().degradedReasons().isEmpty());
    HttpResponse<String> ready = http(0, "/readyz");
    assertEquals(200, ready.statusCode());
    assertTrue(ready.body().contains("degraded"), ready.body());
    assertEquals(200, http(0, "/healthz").statusCode());

    // Quorum comes back: node 0 accepts writes again without a restart.
    cluster.startNode(1);
    cluster.startNode(2);
    MiniKvCluster.await(Duration.ofSeconds(30), "node 0 accepts a write after quorum returned", () -> {
      try {
        node0.withDeadlineAfter(3, TimeUnit.SECONDS).put(put("after-storm", "ok")).get(5, TimeUnit.SECONDS);
        return true;
      } catch (Exception e) {
        return false;
      }
    });
    MiniKvCluster.await(Duration.ofSeconds(30), "node 0 no longer degraded",
        () -> cluster.node(0).readiness().degradedReasons().isEmpty());
    // Background proposals (expiry sweeps, tombstone collection) may be in flight; each ends by its deadline.
    MiniKvCluster.await(Duration.ofSeconds(15), "every admitted proposal answered and released",
        () -> cluster.node(0).replica().proposer(0).proposals().outstanding() == 0);
  }

  @Test
  void burstIntoAColdClusterEnds() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
    var node0 = stub(0);
    List<CompletableFuture<Status.Code>> burst = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      var call = node0.withDeadlineAfter(5, TimeUnit.SECONDS).put(put("cold-" + i, "v"));
      CompletableFuture<Status.Code> outcome = new CompletableFuture<>();
      call.addListener(() -> {
        try {
          call.get();
          outcome.complete(Status.Code.OK);
        } catch (Exception e) {
          outcome.complete(Status.fromThrowable(e.getCause() != null ? e.getCause() : e).getCode());
        }
      }, Runnable::run);
      burst.add(outcome);
    }
    CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    // The node still answers: a read, and writes once the region has a leader.
    node0.withDeadlineAfter(3, TimeUnit.SECONDS).get(eventualGet("cold-0")).get(5, TimeUnit.SECONDS);
    cluster.awaitLeaders(Duration.ofSeconds(30));
    node0.withDeadlineAfter(10, TimeUnit.SECONDS).put(put("after-burst", "ok")).get(15, TimeUnit.SECONDS);
  }

  @Test
  void forgedFarAheadSessionTokenCostsNoWaiter() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
    cluster.awaitLeaders(Duration.ofSeconds(30));
    var node1 = stub(1);
    node1.withDeadlineAfter(10, TimeUnit.SECONDS).put(put("k", "v")).get(15, TimeUnit.SECONDS);
    String forged = new SessionToken(cluster.config(1).region().name(), new long[] {1L << 62}).encode();
    for (int i = 0; i < 20; i++) {
      long start = System.nanoTime();
      GetResponse got = node1.withDeadlineAfter(5, TimeUnit.SECONDS).get(GetRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("k")).setRead(ReadOptions.newBuilder()
              .setConsistency(Consistency.SESSION).setSessionToken(forged)).build()).get(10, TimeUnit.SECONDS);
      assertTrue(got.getFound());
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(millis < 900, "a SESSION read with a far-ahead token took " + millis + " ms");
    }
    assertEquals(0, cluster.node(1).replica().appliedIndex(0).waiting(), "no waiter left behind");
  }
}
