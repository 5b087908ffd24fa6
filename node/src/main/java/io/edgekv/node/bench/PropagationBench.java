package io.edgekv.node.bench;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures cross-region propagation: for each write, the time from its acknowledgement by the
 * writer's region to its visibility (an EVENTUAL read that finds it) on every reader node.
 * Readers poll concurrently with back-to-back reads, so the figure includes up to one read
 * round trip of polling error (reported as {@code pollRttMicros}). Bounded in count and time.
 */
public final class PropagationBench {
  /** Results: per reader and overall (the slowest reader of each write). */
  public record Result(long writes, long timeouts, Histogram overall, Map<String, Histogram> perReader,
      Histogram pollRtt) {}

  private final EdgeKvClient writer;
  private final Map<String, EdgeKvClient> readers = new LinkedHashMap<>();
  private final int valueSize;
  private final Duration visibilityTimeout;

  public PropagationBench(String writerEndpoint, List<String> readerEndpoints, String namespace, int valueSize,
      Duration visibilityTimeout) {
    this.writer = client(writerEndpoint, namespace);
    for (String endpoint : readerEndpoints) {
      readers.put(endpoint, client(endpoint, namespace));
    }
    this.valueSize = valueSize;
    this.visibilityTimeout = visibilityTimeout;
  }

  private static EdgeKvClient client(String endpoint, String namespace) {
    return EdgeKvClient.builder().endpoint(endpoint).namespace(namespace).deadline(Duration.ofSeconds(5))
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(20))
            .maxBackoff(Duration.ofMillis(200)).build())
        .build();
  }

  public Result run(int writes, Duration maxDuration) {
    Histogram overall = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram pollRtt = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Map<String, Histogram> perReader = new LinkedHashMap<>();
    readers.keySet().forEach(r -> perReader.put(r, new Histogram(TimeUnit.SECONDS.toMicros(60), 3)));
    String run = UUID.randomUUID().toString().substring(0, 8);
    byte[] value = "x".repeat(Math.max(1, valueSize)).getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + maxDuration.toNanos();
    long done = 0;
    long timeouts = 0;
    for (int i = 0; i < writes && System.nanoTime() < deadline; i++) {
      byte[] key = ("bench/propagation/" + run + "/" + i).getBytes(StandardCharsets.UTF_8);
      writer.put(key, value, PutOptions.defaults());
      long acked = System.nanoTime();
      List<CompletableFuture<Long>> visible = new ArrayList<>();
      for (Map.Entry<String, EdgeKvClient> reader : readers.entrySet()) {
        visible.add(CompletableFuture.supplyAsync(() -> awaitVisible(reader.getValue(), key, acked, pollRtt)));
      }
      long slowest = 0;
      boolean timedOut = false;
      int r = 0;
      for (Map.Entry<String, EdgeKvClient> reader : readers.entrySet()) {
        long micros = visible.get(r++).join();
        if (micros < 0) {
          timedOut = true;
          continue;
        }
        perReader.get(reader.getKey()).recordValue(micros);
        slowest = Math.max(slowest, micros);
      }
      if (timedOut) {
        timeouts++;
      } else {
        overall.recordValue(slowest);
      }
      done++;
    }
    return new Result(done, timeouts, overall, perReader, pollRtt);
  }

  /** Microseconds from {@code ackedNanos} until the key is readable, or -1 at the timeout. */
  private long awaitVisible(EdgeKvClient reader, byte[] key, long ackedNanos, Histogram pollRtt) {
    long limit = ackedNanos + visibilityTimeout.toNanos();
    while (System.nanoTime() < limit) {
      long before = System.nanoTime();
      GetResult result = reader.get(key);
      long after = System.nanoTime();
      synchronized (pollRtt) {
        pollRtt.recordValue(Math.max(1, (after - before) / 1000));
      }
      if (result.found()) {
        return Math.max(0, (after - ackedNanos) / 1000);
      }
    }
    return -1;
  }

  public void close() {
    writer.close();
    readers.values().forEach(EdgeKvClient::close);
  }
}
