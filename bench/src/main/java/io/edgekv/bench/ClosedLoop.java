package io.edgekv.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A closed loop of {@code inFlight} calls on one client: each slot issues its next call when its
 * previous one completes, on the thread that completed it (no pool hop), over a uniformly random
 * key. A warm-up phase runs unrecorded; the measured phase records the latency of every call it
 * issued that succeeded, and counts the failed ones by name: a failed call is no throughput, and
 * {@code RESOURCE_EXHAUSTED} (a shed call) is a failure like any other.
 */
final class ClosedLoop {

  /** Calls longer than this are recorded as this. */
  static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(2);

  /** A call of the loop: key index in, completion out. */
  interface Call {
    CompletableFuture<Boolean> call(int keyIndex);
  }

  /** What the measured phase saw. */
  record Outcome(Histogram latencyNanos, long elapsedNanos, long misses, Map<String, Long> errors,
      Map<String, Long> warmupErrors, long cpuTicks) {}

  private enum Phase { WARMUP, MEASURE, DONE }

  private final Call call;
  private final int inFlight;
  private final int keys;
  private final ConcurrentHistogram latency = new ConcurrentHistogram(MAX_LATENCY_NANOS, 3);
  private final LongAdder misses = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> warmupErrors = new ConcurrentHashMap<>();
  private final ErrorNames names;
  private volatile Phase phase = Phase.WARMUP;
  private CountDownLatch stopped;

  /** Maps a failure to the name it is counted under. */
  interface ErrorNames {
    String of(Throwable failure);
  }

  ClosedLoop(Call call, int inFlight, int keys, ErrorNames names) {
    if (inFlight < 1 || keys < 1) {
      throw new IllegalArgumentException("inFlight and keys must be at least 1");
    }
    this.call = call;
    this.inFlight = inFlight;
    this.keys = keys;
    this.names = names;
  }

  /**
   * Runs {@code warmup} unrecorded, then {@code measure} recorded, and waits (at most {@code
   * drain}) for the calls still in flight.
   *
   * @param cpuTicks read at the start and the end of the measured phase (the servers' CPU)
   * @throws IllegalStateException if calls are still in flight after {@code drain}
   */
  Outcome run(Duration warmup, Duration measure, Duration drain, LongSupplier cpuTicks) throws InterruptedException {
    stopped = new CountDownLatch(inFlight);
    for (int i = 0; i < inFlight; i++) {
      drive();
    }
    sleepUntil(System.nanoTime() + warmup.toNanos());
    latency.reset();
    long ticks0 = cpuTicks.getAsLong();
    long start = System.nanoTime();
    phase = Phase.MEASURE;
    sleepUntil(start + measure.toNanos());
    phase = Phase.DONE;
    long elapsed = System.nanoTime() - start;
    long ticks = cpuTicks.getAsLong() - ticks0;
    if (!stopped.await(drain.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException(stopped.getCount() + " calls still in flight " + drain.toMillis()
          + " ms after the measured phase ended");
    }
    return new Outcome(latency.copy(), elapsed, misses.sum(), totals(errors), totals(warmupErrors), ticks);
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  /** Issues calls for one slot until the loop is done; a call that completes at once loops here instead of recursing. */
  private void drive() {
    while (true) {
      Phase issuedIn = phase;
      if (issuedIn == Phase.DONE) {
        stopped.countDown();
        return;
      }
      long t0 = System.nanoTime();
      CompletableFuture<Boolean> f = issue();
      if (f.isDone()) {
        record(issuedIn, t0, f);
        continue;
      }
      f.whenComplete((found, failure) -> {
        record(issuedIn, t0, f);
        drive();
      });
      return;
    }
  }

  private CompletableFuture<Boolean> issue() {
    try {
      return call.call(ThreadLocalRandom.current().nextInt(keys));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void record(Phase issuedIn, long t0, CompletableFuture<Boolean> f) {
    long nanos = System.nanoTime() - t0;
    Throwable failure = null;
    boolean found = false;
    try {
      found = f.join();
    } catch (CompletionException | CancellationException e) {
      failure = e.getCause() != null ? e.getCause() : e;
    }
    // Only calls issued and completed inside the measured phase count.
    if (issuedIn != Phase.MEASURE || phase != Phase.MEASURE) {
      if (failure != null && issuedIn == Phase.WARMUP) {
        warmupErrors.computeIfAbsent(names.of(failure), k -> new LongAdder()).increment();
      }
      return;
    }
    if (failure != null) {
      errors.computeIfAbsent(names.of(failure), k -> new LongAdder()).increment();
      return;
    }
    if (!found) {
      misses.increment();
    }
    latency.recordValue(Math.min(nanos, MAX_LATENCY_NANOS));
  }

  private static Map<String, Long> totals(Map<String, LongAdder> counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }
}
