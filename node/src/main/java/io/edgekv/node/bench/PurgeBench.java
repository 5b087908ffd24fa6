package io.edgekv.node.bench;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.PurgeResult;
import io.edgekv.client.Watch;
import io.edgekv.client.WatchListener;
import io.edgekv.client.WatchOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import io.edgekv.client.EdgeKvException;

/**
 * Measures purge-to-subscriber latency: {@code watchers} Watch streams, spread round-robin over
 * the watched nodes, all subscribe to one prefix ({@code bench/purge/RUN/}); the bench then
 * issues purges one after another on the purging node, each with a fresh selector under that
 * prefix (a key, a prefix, or a tag — a tag purge reaches every prefix watcher, see
 * docs/invalidation.md), and records for each purge the time from its acknowledgement to the
 * arrival of its event at every watcher. An event that arrives before the acknowledgement (a
 * watcher of the purging region can see it first) counts as 0 and is counted in {@code
 * beforeAck}. Per purge the slowest watcher goes into the overall histogram, the slowest
 * watcher of each node into that node's. A purge whose event some watcher did not get within
 * {@code eventTimeout} counts as incomplete (its received events still count per watcher).
 * {@code fromSend}: the same slowest watcher, timed from sending the purge request instead.
 * Bounded in count and time.
 */
public final class PurgeBench implements AutoCloseable {
  /** How a purge selects: each purge gets a fresh selector of this kind under the watched prefix. */
  public enum PurgeBy { KEY, PREFIX, TAG }

  /** Results. {@code perWatcher} holds every single event's latency. */
  public record Result(long purges, long incomplete, long eventsExpected, long eventsReceived, long beforeAck,
      long resets, long disconnects, Histogram overall, Map<String, Histogram> perNode, Histogram perWatcher,
      Histogram ack, Histogram fromSend, Duration elapsed) {}

  private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(120);

  private final EdgeKvClient purgerClient;
  private final InvalidationClient purger;
  private final List<String> watchNodes;
  private final Map<String, EdgeKvClient> watchClients = new LinkedHashMap<>();
  private final Map<String, InvalidationClient> watchInvalidation = new LinkedHashMap<>();
  private final List<Watch> watches = new ArrayList<>();
  private final PurgeBy purgeBy;
  private final Duration eventTimeout;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String prefix = "bench/purge/" + run + "/";
  /** The purge in flight, by selector: when each watcher got its event. */
  private final ConcurrentHashMap<String, Arrivals> tracks = new ConcurrentHashMap<>();
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong disconnects = new AtomicLong();
  private int[] watcherNode = new int[0];

  public PurgeBench(String purgeEndpoint, List<String> watchEndpoints, String namespace,
      ClientCredentials credentials, PurgeBy purgeBy, Duration eventTimeout) {
    this.purgerClient = BenchClients.open(purgeEndpoint, namespace, credentials, Duration.ofSeconds(10));
    this.purger = InvalidationClient.of(purgerClient);
    this.watchNodes = List.copyOf(watchEndpoints);
    for (String endpoint : watchNodes) {
      EdgeKvClient c = BenchClients.open(endpoint, namespace, credentials, Duration.ofSeconds(10));
      watchClients.put(endpoint, c);
      watchInvalidation.put(endpoint, InvalidationClient.of(c));
    }
    this.purgeBy = purgeBy;
    this.eventTimeout = eventTimeout;
  }


  /** The common prefix every watcher subscribes to. */
  public String prefix() {
    return prefix;
  }

  /**
   * Opens {@code watchers} watches round-robin over the watched nodes and waits until each is
   * confirmed by its server.
   */
  public void connect(int watchers, Duration timeout) {
    watcherNode = new int[watchers];
    WatchOptions options = WatchOptions.builder().prefix(prefix).build();
    for (int w = 0; w < watchers; w++) {
      int node = w % watchNodes.size();
      watcherNode[w] = node;
      int id = w;
      watches.add(watchInvalidation.get(watchNodes.get(node)).watch(options, new WatchListener() {
        @Override
        public void onEvent(InvalidationEvent event) {
          long now = System.nanoTime();
          if (event.kind() != InvalidationEvent.Kind.PURGE) {
            return;
          }
          Arrivals track = tracks.get(selector(event));
          if (track != null) {
            track.arrived(id, now);
          }
        }

        @Override
        public void onReset(String reason) {
          resets.incrementAndGet();
        }

        @Override
        public void onDisconnected(EdgeKvException cause, boolean willRetry) {
          disconnects.incrementAndGet();
        }
      }));
    }
    long limit = System.nanoTime() + timeout.toNanos();
    for (Watch watch : watches) {
      long left = Math.max(1, limit - System.nanoTime());
      watch.awaitWatching(Duration.ofNanos(left));
    }
  }

  private static String selector(InvalidationEvent event) {
    if (!event.purgeTag().isEmpty()) {
      return "t:" + event.purgeTag();
    }
    if (!event.purgePrefix().isEmpty()) {
      return "p:" + event.purgePrefix().toString(StandardCharsets.UTF_8);
    }
    return "k:" + event.keyAsString();
  }

  /**
   * Issues up to {@code purges} purges one after another, at most for {@code maxDuration}. The
   * first {@code warmup} purges are issued and awaited the same way but not recorded, so the JIT
   * has compiled the paths before the measurement (resets and disconnects count the whole run).
   */
  public Result run(int warmup, int purges, Duration maxDuration) {
    if (warmup > 0) {
      measure("warmup-", warmup, maxDuration);
    }
    return measure("", purges, maxDuration);
  }

  private Result measure(String phase, int purges, Duration maxDuration) {
    int watchers = watches.size();
    Histogram overall = histogram();
    Histogram perWatcher = histogram();
    Histogram ack = histogram();
    Histogram fromSend = histogram();
    Map<String, Histogram> perNode = new LinkedHashMap<>();
    watchNodes.forEach(n -> perNode.put(n, histogram()));
    long start = System.nanoTime();
    long deadline = start + maxDuration.toNanos();
    long done = 0;
    long incomplete = 0;
    long received = 0;
    long beforeAck = 0;
    for (int i = 0; i < purges && System.nanoTime() < deadline; i++) {
      String selector;
      String tag = null;
      byte[] key = null;
      byte[] prefixBytes = null;
      switch (purgeBy) {
        case KEY -> {
          key = (prefix + phase + i).getBytes(StandardCharsets.UTF_8);
          selector = "k:" + prefix + phase + i;
        }
        case PREFIX -> {
          prefixBytes = (prefix + phase + i + "/").getBytes(StandardCharsets.UTF_8);
          selector = "p:" + prefix + phase + i + "/";
        }
        default -> {
          tag = "bench-purge-" + run + "-" + phase + i;
          selector = "t:" + tag;
        }
      }
      Arrivals track = new Arrivals(watchers);
      tracks.put(selector, track);
      long sent = System.nanoTime();
      PurgeResult result = purger.purge(key, prefixBytes, tag, false);
      long acked = System.nanoTime();
      ack.recordValue(clamp((acked - sent) / 1000));
      try {
        track.await(eventTimeout.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      tracks.remove(selector);
      long slowest = 0;
      long lastArrival = 0;
      long[] slowestPerNode = new long[watchNodes.size()];
      boolean[] nodeIncomplete = new boolean[watchNodes.size()];
      boolean complete = true;
      for (int w = 0; w < watchers; w++) {
        long at = track.at(w);
        if (at == 0) {
          complete = false;
          nodeIncomplete[watcherNode[w]] = true;
          continue;
        }
        received++;
        lastArrival = Math.max(lastArrival, at);
        if (at < acked) {
          beforeAck++;
        }
        long micros = clamp(Math.max(0, at - acked) / 1000);
        perWatcher.recordValue(micros);
        slowest = Math.max(slowest, micros);
        slowestPerNode[watcherNode[w]] = Math.max(slowestPerNode[watcherNode[w]], micros);
      }
      if (complete) {
        overall.recordValue(slowest);
        fromSend.recordValue(clamp((lastArrival - sent) / 1000));
      } else {
        incomplete++;
      }
      for (int n = 0; n < watchNodes.size(); n++) {
        if (nodeIncomplete[n]) {
          continue;
        }
        perNode.get(watchNodes.get(n)).recordValue(slowestPerNode[n]);
      }
      done++;
      if (result.purgeId().isEmpty()) {
        throw new IllegalStateException("purge without an id");
      }
    }
    return new Result(done, incomplete, done * watchers, received, beforeAck, resets.get(), disconnects.get(),
        overall, perNode, perWatcher, ack, fromSend, Duration.ofNanos(System.nanoTime() - start));
  }

  private static Histogram histogram() {
    return new Histogram(HIGHEST_MICROS, 3);
  }

  private static long clamp(long micros) {
    return Math.min(Math.max(micros, 0), HIGHEST_MICROS);
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
    watchInvalidation.values().forEach(InvalidationClient::close);
    watchClients.values().forEach(EdgeKvClient::close);
    purger.close();
    purgerClient.close();
  }
}
