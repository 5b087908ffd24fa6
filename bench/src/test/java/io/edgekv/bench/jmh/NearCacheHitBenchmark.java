package io.edgekv.bench.jmh;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.NearCache;
import io.edgekv.client.PutOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: a {@link NearCache} hit, as an application calls it ({@code cache.get(byte[])}, the
 * synchronous form), on warm keys of a cache whose watch is live on a real node. The setup writes
 * {@code keys} keys to the node at {@code endpoint} and loads each once through the cache (the
 * misses); every measured call is then a hit. Run with {@code bench/jmh.sh} (docs/benchmarks.md,
 * "Near-cache hit latency").
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NearCacheHitBenchmark {
  /** The node to read from: host:port of its public port. */
  @Param("127.0.0.1:21500")
  public String endpoint;

  /** How many warm keys the measured gets go round. */
  @Param("1000")
  public int keys;

  private EdgeKvClient client;
  private NearCache cache;
  private byte[][] names;
  private int next;

  @Setup(Level.Trial)
  public void load() {
    client = EdgeKvClient.builder().endpoint(endpoint).namespace("bench").deadline(Duration.ofSeconds(10))
        .executor(Runnable::run).build();
    cache = NearCache.builder(client).maximumSize(Math.max(10_000, keys * 2L)).build();
    cache.awaitWatching(Duration.ofSeconds(30));
    String prefix = "bench/jmh/" + UUID.randomUUID().toString().substring(0, 8) + "/";
    byte[] value = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
    names = new byte[keys][];
    for (int i = 0; i < keys; i++) {
      names[i] = (prefix + i).getBytes(StandardCharsets.UTF_8);
      client.put(names[i], value, PutOptions.defaults());
    }
    for (byte[] name : names) {
      if (!cache.get(name).found()) {
        throw new IllegalStateException("near-cache JMH: a key written in the setup was not found");
      }
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    long misses = cache.stats().misses();
    cache.close();
    client.close();
    if (misses != keys) {
      throw new IllegalStateException("near-cache JMH: " + misses + " misses, expected only the " + keys
          + " loads of the setup (a measured get went to the server)");
    }
  }

  @Benchmark
  public GetResult hit() {
    int i = next;
    next = i + 1 == names.length ? 0 : i + 1;
    return cache.get(names[i]);
  }
}
