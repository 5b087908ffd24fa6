package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop workload: a fixed number of workers, each issuing one call at a time as soon
 * as its previous one returns, over a fixed key space, for a fixed time. Latency is recorded
 * per worker (no shared state on the hot path) and merged when the phase ends.
 */
final class BenchWorkload {

  /** Latencies are recorded in microseconds up to this bound; longer calls count as the bound. */
  private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);
  private static final Duration WORKER_START_TIMEOUT = Duration.ofSeconds(30);

  /** The bench's parameters, validated by {@link BenchCommand}. */
  record Settings(int concurrency, int keys, int valueSize, double readRatio, String keyPrefix, Duration callTimeout) {}

  /** What one kind of operation did in a phase. */
  static final class OpStats {
    final Histogram latencyMicros = new Histogram(MAX_LATENCY_MICROS, 3);
    long misses;
    final Map<String, Long> errors = new TreeMap<>();

    void merge(OpStats other) {
      latencyMicros.add(other.latencyMicros);
      misses += other.misses;
      other.errors.forEach((code, n) -> errors.merge(code, n, Long::sum));
    }

    long count() {
      return latencyMicros.getTotalCount();
    }

    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** The outcome of a measured phase. */
  record Result(Duration elapsed, OpStats reads, OpStats writes) {
    Map<String, Long> errors() {
      Map<String, Long> all = new TreeMap<>(reads.errors);
      writes.errors.forEach((code, n) -> all.merge(code, n, Long::sum));
      return all;
    }
  }

  private final EdgeKvClient client;
  private final Settings settings;
  private final byte[][] keys;

  BenchWorkload(EdgeKvClient client, Settings settings) {
    this.client = client;
    this.settings = settings;
    int width = String.valueOf(settings.keys() - 1).length();
    this.keys = new byte[settings.keys()][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = (settings.keyPrefix() + String.format("%0" + width + "d", i)).getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * Writes every key once, with {@code concurrency} writers. A failed put is counted, not retried,
   * and the preload goes on.
   *
   * @return the failed puts by status code name; empty when every key was written
   */
  Map<String, Long> preload() {
    AtomicInteger next = new AtomicInteger();
    List<Callable<Map<String, Long>>> writers = new ArrayList<>();
    for (int w = 0; w < settings.concurrency(); w++) {
      writers.add(() -> {
        Map<String, Long> failed = new TreeMap<>();
        byte[] value = randomValue(new SplittableRandom(ThreadLocalRandom.current().nextLong()));
        for (int i = next.getAndIncrement(); i < keys.length; i = next.getAndIncrement()) {
          try {
            client.put(keys[i], value, PutOptions.defaults());
          } catch (RuntimeException e) {
            failed.merge(statusOf(e), 1L, Long::sum);
          }
        }
        return failed;
      });
    }
    // Each put is bounded by the call timeout, so the whole preload is bounded too.
    Map<String, Long> failed = new TreeMap<>();
    runAll(writers, Duration.ofNanos(settings.callTimeout().toNanos() * (keys.length / settings.concurrency() + 2)))
        .forEach(perWriter -> perWriter.forEach((code, n) -> failed.merge(code, n, Long::sum)));
    return failed;
  }

  /** The status code name a failed call is counted under; UNKNOWN for a failure that is not a call's status. */
  private static String statusOf(RuntimeException e) {
    return e instanceof EdgeKvException call ? call.code().name() : "UNKNOWN";
  }

  /** Runs the mixed workload for {@code length} and returns what it measured. */
  Result run(Duration length) {
    // The window opens when the last worker is running (thread start-up on a loaded machine must
    // not eat it), and every worker makes at least one call, so a short run still measures.
    AtomicLong start = new AtomicLong();
    AtomicLong end = new AtomicLong();
    CyclicBarrier open = new CyclicBarrier(settings.concurrency(), () -> {
      start.set(System.nanoTime());
      end.set(start.get() + length.toNanos());
    });
    List<Callable<OpStats[]>> workers = new ArrayList<>();
    for (int w = 0; w < settings.concurrency(); w++) {
      workers.add(() -> {
        open.await(WORKER_START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return work(end.get(), new SplittableRandom(ThreadLocalRandom.current().nextLong()));
      });
    }
    List<OpStats[]> perWorker = runAll(workers,
        length.plus(settings.callTimeout()).plus(WORKER_START_TIMEOUT).plusSeconds(10));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start.get());
    OpStats reads = new OpStats();
    OpStats writes = new OpStats();
    for (OpStats[] s : perWorker) {
      reads.merge(s[0]);
      writes.merge(s[1]);
    }
    return new Result(elapsed, reads, writes);
  }

  private OpStats[] work(long endNanos, SplittableRandom random) {
    OpStats reads = new OpStats();
    OpStats writes = new OpStats();
    byte[] value = randomValue(random);
    do {
      byte[] key = keys[random.nextInt(keys.length)];
      boolean read = random.nextDouble() < settings.readRatio();
      OpStats stats = read ? reads : writes;
      long t0 = System.nanoTime();
      try {
        if (read) {
          GetResult r = client.get(key);
          if (!r.found()) {
            stats.misses++;
          }
        } else {
          client.put(key, value, PutOptions.defaults());
        }
        long micros = (System.nanoTime() - t0) / 1000;
        stats.latencyMicros.recordValue(Math.min(micros, MAX_LATENCY_MICROS));
      } catch (RuntimeException e) {
        // Counted and the load goes on: a bench without quorum must last its whole duration.
        stats.errors.merge(statusOf(e), 1L, Long::sum);
      }
    } while (System.nanoTime() < endNanos && !Thread.currentThread().isInterrupted());
    return new OpStats[] {reads, writes};
  }

  private byte[] randomValue(SplittableRandom random) {
    byte[] value = new byte[settings.valueSize()];
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return value;
  }

  private <T> List<T> runAll(List<Callable<T>> tasks, Duration bound) {
    AtomicInteger ids = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size(), r -> {
      Thread t = new Thread(r, "edgekv-bench-" + ids.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<T>> futures = tasks.stream().map(pool::submit).toList();
      long deadline = System.nanoTime() + bound.toNanos();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return results;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("bench workers did not stop within " + bound);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }
}
