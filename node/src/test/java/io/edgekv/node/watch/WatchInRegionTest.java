package io.edgekv.node.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.api.v1.WatchEvent;
import io.edgekv.api.v1.WatchEventType;
import io.edgekv.api.v1.WatchRequest;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent.Kind;
import io.edgekv.client.Watch;
import io.edgekv.client.WatchOptions;
import io.edgekv.invalidation.watch.WatchPosition;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.edgekv.client.GetResult;
import io.edgekv.client.NearCache;
import io.edgekv.client.NearCacheStats;
import io.edgekv.client.PurgeResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import io.edgekv.client.Version;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One region of three nodes: resume on another node, RESET, drain, and the client near cache. */
class WatchInRegionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static MiniKvCluster cluster;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }

  private EdgeKvClient client(List<String> endpoints, String namespace) {
    EdgeKvClient client = EdgeKvClient.builder().endpoints(endpoints).namespace(namespace)
        .deadline(Duration.ofSeconds(10)).build();
    opened.add(client);
    return client;
  }

  private InvalidationServiceGrpc.InvalidationServiceStub stub(int node) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.publicAddress(node)).usePlaintext().build();
    channels.add(channel);
    return InvalidationServiceGrpc.newStub(channel);
  }

  /** A raw stream that reads only when asked to (to play a slow subscriber). */
  private static final class RawStream implements ClientResponseObserver<WatchRequest, WatchEvent> {
    final List<WatchEvent> received = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    private final boolean manual;
    volatile ClientCallStreamObserver<WatchRequest> call;

    RawStream(boolean manual) {
      this.manual = manual;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
      if (manual) {
        requestStream.disableAutoRequestWithInitial(1);
      }
    }

    @Override
    public void onNext(WatchEvent value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {}

    boolean has(WatchEventType type) {
      return received.stream().anyMatch(e -> e.getType() == type);
    }

    Set<String> keys() {
      Set<String> keys = new HashSet<>();
      received.stream().filter(e -> e.getType() == WatchEventType.WATCH_CHANGE)
          .forEach(e -> keys.add(e.getChange().getKey().toStringUtf8()));
      return keys;
    }

    String lastPosition() {
      return received.get(received.size() - 1).getPosition();
    }
  }

  private RawStream rawWatch(int node, WatchRequest request, boolean manual) {
    RawStream stream = new RawStream(manual);
    stub(node).watch(request, stream);
    MiniKvCluster.await(WAIT, "created on node " + node, () -> stream.has(WatchEventType.WATCH_CREATED)
        || stream.error.get() != null);
    return stream;
  }

  @Test
  void resumeOnAnotherNodeOfTheRegionLosesNothing() {
    String ns = "resume";
    EdgeKvClient writer = client(List.of(cluster.publicAddress(0)), ns);
    WatchRequest request = WatchRequest.newBuilder().setNamespace(ns).addPrefixes(ByteString.copyFromUtf8("k/")).build();
    RawStream first = rawWatch(1, request, false);
    for (int i = 0; i < 10; i++) {
      writer.put("k/" + i, "v" + i);
    }
    MiniKvCluster.await(WAIT, "first 10 events", () -> first.keys().size() == 10);
    String position = first.lastPosition();
    first.call.cancel("subscriber went away", null);
    for (int i = 10; i < 30; i++) {
      writer.put("k/" + i, "v" + i);
    }
    RawStream resumed = rawWatch(2, request.toBuilder().setResumePosition(position).build(), false);
    for (int i = 30; i < 40; i++) {
      writer.put("k/" + i, "v" + i);
    }
    MiniKvCluster.await(WAIT, "every key after the position", () -> resumed.keys().containsAll(expectedKeys(10, 40)));
    assertTrue(!resumed.has(WatchEventType.WATCH_RESET), "a gap the changelog holds is filled without RESET");
  }

  private static Set<String> expectedKeys(int from, int to) {
    Set<String> keys = new HashSet<>();
    for (int i = from; i < to; i++) {
      keys.add("k/" + i);
    }
    return keys;
  }

  @Test
  void positionFromAnotherRegionGetsResetFirst() {
    String foreign = new WatchPosition("elsewhere", new long[] {5}).encode();
    RawStream stream = rawWatch(0, WatchRequest.newBuilder().setNamespace("foreign").setResumePosition(foreign).build(),
        false);
    MiniKvCluster.await(WAIT, "reset", () -> stream.has(WatchEventType.WATCH_RESET));
    assertEquals(WatchEventType.WATCH_CREATED, stream.received.get(0).getType());
    assertTrue(stream.received.get(1).getReason().contains("elsewhere"), stream.received.get(1).getReason());
  }

  @Test
  void damagedPositionIsRefusedAsInvalidArgument() {
    String token = new WatchPosition(cluster.config(0).region().name(), new long[] {5}).encode();
    String damaged = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "BB" : "AA");
    RawStream stream = new RawStream(false);
    stub(0).watch(WatchRequest.newBuilder().setNamespace("x").setResumePosition(damaged).build(), stream);
    MiniKvCluster.await(WAIT, "refusal", () -> stream.error.get() != null);
    assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(stream.error.get()).getCode());
  }

  @Test
  void slowSubscriberGetsResetAndApplyIsNeverBlocked() {
    String ns = "overrun";
    RawStream slow = rawWatch(0, WatchRequest.newBuilder().setNamespace(ns).build(), true);
    // Far more events than the stream's buffer and the transport's windows can hold, published
    // on the node's bus as apply does; publishing must not wait for the subscriber.
    long start = System.nanoTime();
    for (int i = 0; i < 60_000; i++) {
      cluster.node(0).bus().publish(ChangeEvent.newBuilder().setNamespace(ns).setKind(ChangeKind.PUT)
          .setKey(ByteString.copyFromUtf8("key-" + i)).setShard(0).setIndex(1_000_000_000L + i).build());
    }
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0, "publishing never waits");
    slow.call.request(Integer.MAX_VALUE);
    MiniKvCluster.await(WAIT, "reset after overrun", () -> slow.has(WatchEventType.WATCH_RESET));
    EdgeKvClient writer = client(List.of(cluster.publicAddress(0)), ns);
    // A write that lands while the stream is still catching up on the flood can be dropped by a
    // second overrun (which sends another RESET), so keep writing until one arrives live.
    int[] written = {0};
    MiniKvCluster.await(WAIT, "live again after the reset", () -> {
      if (slow.keys().stream().anyMatch(k -> k.startsWith("after-reset"))) {
        return true;
      }
      writer.put("after-reset-" + written[0]++, "v");
      return false;
    });
  }

  @Test
  void resumeWhoseGapHoldsMoreBytesThanAStreamBufferStartsWithAResetNamingTheLimit() {
    String ns = "bigreplay";
    WatchRequest request = WatchRequest.newBuilder().setNamespace(ns).addTopics("big").build();
    RawStream first = rawWatch(0, request, false);
    String position = first.lastPosition();
    first.call.cancel("subscriber went away", null);
    InvalidationClient publisher = InvalidationClient.of(client(List.of(cluster.publicAddress(0)), ns));
    opened.add(publisher);
    // 9 MiB of payloads: more than a stream may buffer (8 MiB by default), far fewer than 10,000 changes.
    byte[] payload = new byte[1 << 20];
    for (int i = 0; i < 9; i++) {
      publisher.publish("big", payload, "big-" + i);
    }
    // node 1 must have applied all nine before the resume, or the last arrive live after the
    // reset: a put after them, readable on node 1, was applied there after them (one log)
    EdgeKvClient writer = client(List.of(cluster.publicAddress(0)), ns);
    writer.put("applied-marker", "v");
    EdgeKvClient onNode1 = client(List.of(cluster.publicAddress(1)), ns);
    MiniKvCluster.await(WAIT, "node 1 applied the publishes", () -> onNode1.get("applied-marker").found());
    RawStream resumed = rawWatch(1, request.toBuilder().setResumePosition(position).build(), false);
    MiniKvCluster.await(WAIT, "reset", () -> resumed.has(WatchEventType.WATCH_RESET));
    assertEquals(WatchEventType.WATCH_RESET, resumed.received.get(1).getType());
    assertTrue(resumed.received.get(1).getReason().contains("invalidation.streamBufferBytes"),
        resumed.received.get(1).getReason());
    assertTrue(!resumed.has(WatchEventType.WATCH_CHANGE), "nothing of the gap is replayed");
    assertEquals(0, cluster.node(1).bus().budget().used(), "a replay that was not taken holds no memory");
  }

  @Test
  void listenersRunOnTheClientsExecutor() throws Exception {
    ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-callbacks"));
    try {
      EdgeKvClient watcherClient = EdgeKvClient.builder().endpoint(cluster.publicAddress(1)).namespace("exec")
          .deadline(Duration.ofSeconds(10)).executor(callbacks).build();
      opened.add(watcherClient);
      InvalidationClient invalidation = InvalidationClient.of(watcherClient);
      opened.add(invalidation);
      EventLog log = new EventLog();
      invalidation.watch(WatchOptions.builder().prefix("e/").build(), log).awaitWatching(WAIT);
      client(List.of(cluster.publicAddress(0)), "exec").put("e/1", "v");
      MiniKvCluster.await(WAIT, "the event", () -> log.has(Kind.PUT, "e/1"));
      assertEquals(List.of("test-callbacks"), log.eventThreads);
      // Plain calls work through the same client.
      assertEquals("v", watcherClient.get("e/1").valueAsString());
    } finally {
      callbacks.shutdownNow();
    }
  }

  @Test
  void drainingNodeEndsStreamsAndTheWatchResumesElsewhere() {
    String ns = "drain";
    EdgeKvClient writer = client(List.of(cluster.publicAddress(0)), ns);
    EdgeKvClient watcherClient = client(List.of(cluster.publicAddress(2), cluster.publicAddress(1)), ns);
    InvalidationClient invalidation = InvalidationClient.of(watcherClient);
    opened.add(invalidation);
    EventLog log = new EventLog();
    Watch watch = invalidation.watch(WatchOptions.builder().prefix("d/").build(), log);
    assertEquals(cluster.config(2).nodeId(), watch.awaitWatching(WAIT).node());
    writer.put("d/before", "v");
    MiniKvCluster.await(WAIT, "event before the drain", () -> log.has(Kind.PUT, "d/before"));
    cluster.node(2).drain();
    try {
      writer.put("d/during", "v");
      MiniKvCluster.await(WAIT, "resumed on another node", () -> log.watching.size() >= 2);
      writer.put("d/after", "v");
      MiniKvCluster.await(WAIT, "events across the drain",
          () -> log.has(Kind.PUT, "d/during") && log.has(Kind.PUT, "d/after"));
      assertEquals(Status.Code.UNAVAILABLE, log.disconnects.get(0).code());
      assertTrue(log.resumed.get(1), "the second subscription resumed from the position");
      assertTrue(log.resets.isEmpty(), "no reset: the region's position is valid on every node");
    } finally {
      cluster.node(2).undrain();
    }
  }

  private record Op(long ackNanos, Version version, boolean purge) {}

  @Test
  void nearCacheNeverServesAValueOlderThanTheBoundWhileWritersAndPurgesRace() throws Exception {
    String ns = "near";
    Duration bound = Duration.ofMillis(1500);
    EdgeKvClient readClient = client(List.of(cluster.publicAddress(0)), ns);
    NearCache cache = NearCache.builder(readClient).maximumSize(1_000).maxStaleness(Duration.ofMillis(500)).build();
    opened.add(cache);
    MiniKvCluster.await(WAIT, "near cache live", cache::isLive);
    int keys = 8;
    Map<String, List<Op>> history = new ConcurrentHashMap<>();
    List<Long> purgeStarts = new CopyOnWriteArrayList<>();
    for (int k = 0; k < keys; k++) {
      history.put("nc/" + k, new CopyOnWriteArrayList<>());
    }
    InvalidationClient purger = InvalidationClient.of(client(List.of(cluster.publicAddress(1)), ns));
    opened.add(purger);
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        int seed = w;
        EdgeKvClient writer = client(List.of(cluster.publicAddress(1 + seed % 2)), ns);
        writers.add(pool.submit(() -> {
          Random random = new Random(seed);
          for (int i = 0; i < 60; i++) {
            if (seed == 0 && i % 12 == 11) {
              purgeStarts.add(System.nanoTime());
              PurgeResult purge = purger.purgeTag("all", false);
              long acked = System.nanoTime();
              history.values().forEach(ops -> ops.add(new Op(acked, purge.version(), true)));
            } else {
              String key = "nc/" + random.nextInt(keys);
              PutResult put = writer.put(key.getBytes(StandardCharsets.UTF_8),
                  ("w" + seed + "-" + i).getBytes(StandardCharsets.UTF_8), PutOptions.builder().tags(List.of("all")).build());
              history.get(key).add(new Op(System.nanoTime(), put.version(), false));
            }
          }
          return null;
        }));
      }
      Future<Integer> reader = pool.submit(() -> {
        Random random = new Random(42);
        int reads = 0;
        while (writing.get()) {
          String key = "nc/" + random.nextInt(keys);
          long t0 = System.nanoTime();
          GetResult result = cache.get(key);
          reads++;
          long horizon = t0 - bound.toNanos();
          Op newest = null;
          for (Op op : history.get(key)) {
            if (op.ackNanos() < horizon && (newest == null || op.version().compareTo(newest.version()) > 0)) {
              newest = op;
            }
          }
          if (newest == null) {
            continue;
          }
          if (result.found()) {
            assertTrue(result.version().compareTo(newest.version()) >= 0, key + ": served " + result.version()
                + " although " + newest + " was acknowledged more than " + bound + " before the read");
          } else if (!newest.purge()) {
            long putAck = newest.ackNanos();
            assertTrue(purgeStarts.stream().anyMatch(s -> s > putAck - bound.toNanos()),
                key + ": served a miss although " + newest + " was acknowledged and no purge followed");
          }
        }
        return reads;
      });
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      int reads = reader.get(60, TimeUnit.SECONDS);
      NearCacheStats stats = cache.stats();
      assertTrue(reads > 100, "the reader ran: " + reads);
      assertTrue(stats.hits() > 0 && stats.invalidations() > 0, stats.toString());
      assertTrue(cache.hitRatio() > 0 && cache.hitRatio() < 1, stats.toString());
      // The same figures as Micrometer meters, as an application's registry would scrape them.
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      cache.bindTo(registry);
      NearCacheStats now = cache.stats();
      assertEquals(now.hits(), (long) registry.get("edgekv.client.near.cache.requests").tag("result", "hit")
          .functionCounter().count());
      assertEquals(now.misses(), (long) registry.get("edgekv.client.near.cache.requests").tag("result", "miss")
          .functionCounter().count());
      assertEquals(cache.hitRatio(), registry.get("edgekv.client.near.cache.hit.ratio").tag("cache", "default")
          .gauge().value(), 1e-9);
      assertEquals(now.invalidations(), (long) registry.get("edgekv.client.near.cache.invalidations")
          .functionCounter().count());
    } finally {
      writing.set(false);
      pool.shutdownNow();
    }
  }

  @Test
  void nearCacheCoalescesConcurrentMisses() throws Exception {
    String ns = "coalesce";
    EdgeKvClient readClient = client(List.of(cluster.publicAddress(0)), ns);
    readClient.put("hot", "v");
    NearCache cache = NearCache.builder(readClient).build();
    opened.add(cache);
    MiniKvCluster.await(WAIT, "near cache live", cache::isLive);
    List<CompletableFuture<GetResult>> reads = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      reads.add(cache.getAsync("hot".getBytes(StandardCharsets.UTF_8)));
    }
    for (CompletableFuture<GetResult> read : reads) {
      assertEquals("v", read.get(10, TimeUnit.SECONDS).valueAsString());
    }
    assertEquals("v", cache.get("hot").valueAsString());
    assertTrue(cache.stats().hits() >= 1, cache.stats().toString());
    readClient.put("hot", "w");
    MiniKvCluster.await(WAIT, "invalidated by the put's event", () -> "w".equals(cache.get("hot").valueAsString()));
  }
}
