package io.edgekv.node.bench;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.GetResult;
import io.edgekv.client.NearCache;
import io.edgekv.client.NearCacheStats;
import io.edgekv.client.PutOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures {@link NearCache} hit latency: writes {@code keys} keys, loads each once through the
 * cache (a miss, timed separately), then times {@code iterations} gets of warm keys in one
 * thread, in nanoseconds, after an unmeasured warm-up of the same size (JIT). Bounded in count
 * and time.
 */
public final class NearCacheBench implements AutoCloseable {
  /** Results: hit and miss latency in nanoseconds, and the cache's counters. */
  public record Result(long iterations, Histogram hitNanos, Histogram missNanos, NearCacheStats stats,
      Duration elapsed) {}

  private final EdgeKvClient client;
  private final NearCache cache;

  public NearCacheBench(String endpoint, String namespace, ClientCredentials credentials) {
    this.client = BenchClients.open(endpoint, namespace, credentials, Duration.ofSeconds(10));
    this.cache = NearCache.builder(client).maximumSize(100_000).build();
  }

  public Result run(int keys, long iterations, Duration maxDuration) {
    try {
      cache.awaitWatching(Duration.ofSeconds(10));
    } catch (EdgeKvException e) {
      throw new IllegalStateException("near-cache bench: the cache's watch was not confirmed within 10 s", e);
    }
    String prefix = "bench/near-cache/" + UUID.randomUUID().toString().substring(0, 8) + "/";
    byte[][] names = new byte[keys][];
    byte[] value = "x".repeat(128).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < keys; i++) {
      names[i] = (prefix + i).getBytes(StandardCharsets.UTF_8);
      client.put(names[i], value, PutOptions.defaults());
    }
    Histogram miss = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    Histogram hit = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    for (byte[] name : names) {
      long before = System.nanoTime();
      GetResult r = cache.get(name);
      miss.recordValue(Math.max(1, System.nanoTime() - before));
      if (!r.found()) {
        throw new IllegalStateException("near-cache bench: key not found after its write");
      }
    }
    long start = System.nanoTime();
    long deadline = start + maxDuration.toNanos();
    long sink = 0;
    for (long i = 0; i < iterations; i++) {
      if ((i & 1023) == 0 && System.nanoTime() > deadline) {
        break;
      }
      sink += cache.get(names[(int) (i % keys)]).version().hashCode();
    }
    long measured = 0;
    start = System.nanoTime();
    for (long i = 0; i < iterations; i++) {
      if ((i & 1023) == 0 && System.nanoTime() > deadline) {
        break;
      }
      byte[] name = names[(int) (i % keys)];
      long before = System.nanoTime();
      GetResult r = cache.get(name);
      long took = System.nanoTime() - before;
      hit.recordValue(Math.max(1, took));
      sink += r.version().hashCode();
      measured++;
    }
    if (sink == 42) {
      System.err.print("");
    }
    return new Result(measured, hit, miss, cache.stats(), Duration.ofNanos(System.nanoTime() - start));
  }

  @Override
  public void close() {
    cache.close();
    client.close();
  }
}
