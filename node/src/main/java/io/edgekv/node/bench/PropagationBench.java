package io.edgekv.node.bench;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.client.GetResult;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.PutOptions;
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

/**
 * Measures cross-region propagation: for each write, the time from its acknowledgement by the
 * writer's region to its visibility on every reader node.
 *
 * <p>Visibility is observed with one Watch stream per reader node (on the run's key prefix): a
 * node sends a change event only after it applied the change, so the event's arrival is the
 * moment the write became readable there (plus one loopback hop). Each arrival is then confirmed
 * with an {@code EVENTUAL} read of the key on that node; a read that does not find it is counted
 * as {@code unconfirmed}. Watching instead of polling keeps the bench from loading the cluster it
 * measures (back-to-back polls of a few nodes take most of a core). Bounded in count and time.
 */
public final class PropagationBench implements AutoCloseable {
  /** Results: per reader and overall (the slowest reader of each write). */
  public record Result(long writes, long timeouts, long unconfirmed, long resets, Histogram overall,
      Map<String, Histogram> perReader) {}

  private final EdgeKvClient writer;
  private final List<String> readerNodes;
  private final List<EdgeKvClient> readers = new ArrayList<>();
  private final List<InvalidationClient> invalidation = new ArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private final int valueSize;
  private final Duration visibilityTimeout;
  private final String prefix = "bench/propagation/" + UUID.randomUUID().toString().substring(0, 8) + "/";
  /** The write in flight, by key: when each reader saw it. */
  private final Map<String, Arrivals> tracks = new ConcurrentHashMap<>();
  private final AtomicLong resets = new AtomicLong();

  public PropagationBench(String writerEndpoint, List<String> readerEndpoints, String namespace,
      ClientCredentials credentials, int valueSize, Duration visibilityTimeout) {
    this.writer = BenchClients.open(writerEndpoint, namespace, credentials, Duration.ofSeconds(5));
    this.readerNodes = List.copyOf(readerEndpoints);
    for (String endpoint : readerNodes) {
      readers.add(BenchClients.open(endpoint, namespace, credentials, Duration.ofSeconds(5)));
    }
    this.valueSize = valueSize;
    this.visibilityTimeout = visibilityTimeout;
  }

  /** Opens one watch per reader node and waits until each is confirmed by its server. */
  public void connect(Duration timeout) {
    WatchOptions options = WatchOptions.builder().prefix(prefix).build();
    for (int r = 0; r < readers.size(); r++) {
      int reader = r;
      InvalidationClient client = InvalidationClient.of(readers.get(r));
      invalidation.add(client);
      watches.add(client.watch(options, new WatchListener() {
        @Override
        public void onEvent(InvalidationEvent event) {
          long now = System.nanoTime();
          if (event.kind() == InvalidationEvent.Kind.PUT) {
            Arrivals track = tracks.get(event.keyAsString());
            if (track != null) {
              track.arrived(reader, now);
            }
          }
        }

        @Override
        public void onReset(String reason) {
          resets.incrementAndGet();
        }
      }));
    }
    long limit = System.nanoTime() + timeout.toNanos();
    for (Watch watch : watches) {
      watch.awaitWatching(Duration.ofNanos(Math.max(1, limit - System.nanoTime())));
    }
  }

  /**
   * Writes {@code writes} keys, measuring each (the first {@code warmup} are written and awaited
   * the same way but not recorded: they let the JIT compile the paths before the measurement).
   */
  public Result run(int warmup, int writes, Duration maxDuration) {
    if (warmup > 0) {
      measure("warmup/", warmup, maxDuration);
    }
    return measure("", writes, maxDuration);
  }

  private Result measure(String keyPrefix, int writes, Duration maxDuration) {
    Histogram overall = histogram();
    Map<String, Histogram> perReader = new LinkedHashMap<>();
    readerNodes.forEach(r -> perReader.put(r, histogram()));
    byte[] value = "x".repeat(Math.max(1, valueSize)).getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + maxDuration.toNanos();
    long done = 0;
    long timeouts = 0;
    long unconfirmed = 0;
    for (int i = 0; i < writes && System.nanoTime() < deadline; i++) {
      String key = prefix + keyPrefix + i;
      Arrivals track = new Arrivals(readers.size());
      tracks.put(key, track);
      byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
      writer.put(keyBytes, value, PutOptions.defaults());
      long acked = System.nanoTime();
      boolean complete;
      try {
        complete = track.await(visibilityTimeout.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      tracks.remove(key);
      long slowest = 0;
      for (int r = 0; r < readers.size(); r++) {
        long at = track.at(r);
        if (at == 0) {
          continue;
        }
        GetResult read = readers.get(r).get(keyBytes);
        if (!read.found()) {
          unconfirmed++;
        }
        long micros = Math.max(0, at - acked) / 1000;
        perReader.get(readerNodes.get(r)).recordValue(micros);
        slowest = Math.max(slowest, micros);
      }
      if (complete) {
        overall.recordValue(slowest);
      } else {
        timeouts++;
      }
      done++;
    }
    return new Result(done, timeouts, unconfirmed, resets.get(), overall, perReader);
  }

  private static Histogram histogram() {
    return new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
    invalidation.forEach(InvalidationClient::close);
    writer.close();
    readers.forEach(EdgeKvClient::close);
  }
}
