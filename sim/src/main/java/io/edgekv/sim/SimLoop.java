package io.edgekv.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.PriorityQueue;

/**
 * The one thread of a simulation: a queue of events ordered by simulated time (then by the order
 * they were scheduled, so ties break the same way every run), and the trace digest.
 *
 * <p>Time is simulated milliseconds since the run started; nothing here reads a wall clock. Every
 * event that can change the outcome (a delivery, a drop, an apply, a fault) is also fed to the
 * trace digest with {@link #trace}, so two runs of one seed that differ anywhere have different
 * digests. Not thread-safe, by design.
 */
public final class SimLoop {
  private record Event(long at, long order, Runnable task) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
  private final MessageDigest trace;
  private final ByteBuffer scratch = ByteBuffer.allocate(8);
  private long now;
  private long order;
  private long events;

  public SimLoop() {
    try {
      trace = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  /** Simulated milliseconds since the start of the run. */
  public long now() {
    return now;
  }

  /** Runs {@code task} {@code delayMillis} from now (0: after everything already due now). */
  public void after(long delayMillis, Runnable task) {
    queue.add(new Event(now + Math.max(0, delayMillis), order++, task));
  }

  /** Runs events in order until the queue is empty or the next one is after {@code until}; time ends at {@code until}. */
  public void runUntil(long until) {
    while (!queue.isEmpty() && queue.peek().at <= until) {
      Event e = queue.poll();
      now = e.at;
      events++;
      e.task.run();
    }
    now = Math.max(now, until);
  }

  /** Events run so far. */
  public long events() {
    return events;
  }

  /** Adds one event to the trace digest: its kind, the simulated time and some numbers that identify it. */
  public void trace(String kind, long... fields) {
    trace.update(kind.getBytes(StandardCharsets.UTF_8));
    put(now);
    for (long f : fields) {
      put(f);
    }
  }

  /** Adds text (a region name, a final state digest) to the trace. */
  public void trace(String kind, String text) {
    trace(kind);
    trace.update(text.getBytes(StandardCharsets.UTF_8));
  }

  private void put(long value) {
    scratch.clear();
    scratch.putLong(value);
    trace.update(scratch.array());
  }

  /** The digest of the trace so far (hex SHA-256); ends the digest, so call it once, at the end. */
  public String digest() {
    return HexFormat.of().formatHex(trace.digest());
  }
}
