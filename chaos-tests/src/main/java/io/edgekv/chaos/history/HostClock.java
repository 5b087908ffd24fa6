package io.edgekv.chaos.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Watches the host's wall clock against the monotonic clock the history is timed with. Every
 * node's container shares the host's wall clock, so a step of it (seen here: a virtual machine
 * paused for seconds, its wall clock then set forward while the monotonic clock skipped the
 * pause) moves every node's clock at once, a clock fault the nemesis did not inject. Each step of
 * {@value #STEP_MS} ms or more is recorded as a nemesis event {@code host-clock} with the wall
 * clock's offset from where it started ({@code hostOffsetMs}), so that checkers that compare
 * wall-clock deadlines with the history's times (TTL expiry) can allow for it and say so.
 */
public final class HostClock implements AutoCloseable {
  public static final String EVENT = "host-clock";
  static final long STEP_MS = 50;
  private static final long SAMPLE_MS = 200;

  private final Recorder recorder;
  private final LongSupplier wallMillis;
  private final LongSupplier nanoTime;
  private final long base;
  private long reported;
  private volatile Thread thread;

  HostClock(Recorder recorder, LongSupplier wallMillis, LongSupplier nanoTime) {
    this.recorder = recorder;
    this.wallMillis = wallMillis;
    this.nanoTime = nanoTime;
    this.base = offset();
  }

  /** Starts watching the system clocks for {@code recorder}'s history; close to stop. */
  public static HostClock watch(Recorder recorder) {
    HostClock clock = new HostClock(recorder, System::currentTimeMillis, System::nanoTime);
    clock.thread = Thread.ofPlatform().daemon().name("chaos-host-clock").start(clock::loop);
    return clock;
  }

  private long offset() {
    return wallMillis.getAsLong() - TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong());
  }

  /** Compares the clocks once; records a step when the offset moved by {@value #STEP_MS} ms or more. */
  public synchronized void sample() {
    long now = offset() - base;
    if (Math.abs(now - reported) >= STEP_MS) {
      ArrayNode value = History.JSON.createArrayNode();
      value.addObject().put("fault", EVENT).put("hostOffsetMs", now).put("stepMs", now - reported);
      recorder.record(Op.NEMESIS, Op.Type.INFO, EVENT, null, value, null, null, false, null, null);
      reported = now;
    }
  }

  private void loop() {
    while (!Thread.currentThread().isInterrupted()) {
      sample();
      try {
        Thread.sleep(SAMPLE_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * How far the host's wall clock moved against the history's clock during the run: the range
   * of the offsets its {@code host-clock} events recorded, the start (0) included.
   */
  public static long rangeMillis(History history) {
    long min = 0;
    long max = 0;
    for (Op op : history.nemesisEvents()) {
      if (EVENT.equals(op.f())) {
        for (JsonNode f : op.value()) {
          long offset = f.path("hostOffsetMs").asLong();
          min = Math.min(min, offset);
          max = Math.max(max, offset);
        }
      }
    }
    return max - min;
  }

  @Override
  public void close() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }
}
