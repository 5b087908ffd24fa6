package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One subscriber's bounded buffer of matching change events. Publishing never blocks: when the
 * buffer would pass its count or byte limit, or the node's byte budget is spent, the
 * subscription is marked overrun and its buffer dropped, and the consumer must treat
 * everything it cached for this subscription as stale (a {@code RESET}).
 *
 * <p>Thread-safe: the bus publishes from apply threads while one consumer drains.
 */
public final class Subscription implements AutoCloseable {
  /** Which limit overran a subscription. */
  public enum Overrun {
    /** More than {@link BufferLimits#streamEvents()} events buffered. */
    STREAM_EVENTS,
    /** More than {@link BufferLimits#streamBytes()} bytes buffered. */
    STREAM_BYTES,
    /** The node's {@link BufferLimits#nodeBytes()} were spent and this subscription held the most. */
    NODE_BYTES
  }

  private record Buffered(ChangeEvent event, long publishedAtNanos, long bytes) {}

  private final Selector selector;
  private final BufferLimits limits;
  private final InvalidationBus bus;
  private final ArrayDeque<Buffered> buffer = new ArrayDeque<>();
  /** Written under the lock; read without it by the bus when it looks for the largest buffer. */
  private volatile long bufferedBytes;
  /** Written under the lock; read without it to skip work for a subscription that owes a reset. */
  private volatile Overrun overrun;
  private volatile boolean closed;
  private Runnable onAvailable = () -> {};

  Subscription(Selector selector, BufferLimits limits, InvalidationBus bus) {
    this.selector = selector;
    this.limits = limits;
    this.bus = bus;
  }

  public Selector selector() {
    return selector;
  }

  /** Called (on the publishing thread, without locks held) whenever new events are buffered. */
  public synchronized void onAvailable(Runnable callback) {
    this.onAvailable = callback;
  }

  void offer(ChangeEvent event, long nanoTime, long bytes) {
    if (closed || overrun != null || !selector.matches(event)) {
      return;
    }
    // Reserved before taking this subscription's lock: making room may overrun another
    // subscription, and two publishers must never hold one subscription's lock while waiting
    // for another's. An event larger than a whole stream's buffer never reserves (it overruns
    // this subscription alone instead of shedding others).
    BufferBudget budget = bus.budget();
    boolean reserved = bytes <= limits.streamBytes()
        && (budget.tryReserve(bytes) || (bus.shedLargest() && budget.tryReserve(bytes)));
    Runnable notify;
    synchronized (this) {
      if (closed || overrun != null) {
        if (reserved) {
          budget.release(bytes);
        }
        return;
      }
      Overrun cause = buffer.size() >= limits.streamEvents() ? Overrun.STREAM_EVENTS
          : bufferedBytes + bytes > limits.streamBytes() ? Overrun.STREAM_BYTES
          : reserved ? null : Overrun.NODE_BYTES;
      if (cause == null) {
        buffer.add(new Buffered(event, nanoTime, bytes));
        bufferedBytes += bytes;
      } else {
        if (reserved) {
          budget.release(bytes);
        }
        overrunLocked(cause);
      }
      notify = onAvailable;
    }
    bus.notifySafely(notify);
  }

  /** Drops the buffer and owes the consumer a reset; false if already overrun or closed. */
  boolean overrun(Overrun cause) {
    Runnable notify;
    synchronized (this) {
      if (closed || overrun != null) {
        return false;
      }
      overrunLocked(cause);
      notify = onAvailable;
    }
    bus.notifySafely(notify);
    return true;
  }

  private void overrunLocked(Overrun cause) {
    overrun = cause;
    clearLocked();
    bus.overran(cause);
  }

  private void clearLocked() {
    buffer.clear();
    bus.budget().release(bufferedBytes);
    bufferedBytes = 0;
  }

  /**
   * What a drain returns: the buffered events in apply order with the bus's clock reading when
   * each was published (for fan-out latency), or {@code reset} after an overrun, naming the
   * limit that was passed.
   */
  public record Batch(List<ChangeEvent> events, boolean reset, List<Long> publishedAtNanos, Overrun overrun) {
    public Batch(List<ChangeEvent> events, boolean reset) {
      this(events, reset, List.of(), null);
    }
  }

  /** Takes everything buffered. After a reset the subscription starts buffering afresh. */
  public Batch drain() {
    return drain(Integer.MAX_VALUE);
  }

  /**
   * Takes at most {@code maxEvents} buffered events (in order), or the pending reset. A consumer
   * that can send only while its transport is ready takes one at a time, so that what it has
   * not sent yet stays counted here.
   */
  public synchronized Batch drain(int maxEvents) {
    if (overrun != null) {
      Overrun cause = overrun;
      overrun = null;
      clearLocked();
      return new Batch(List.of(), true, List.of(), cause);
    }
    int n = Math.min(maxEvents, buffer.size());
    List<ChangeEvent> out = new ArrayList<>(n);
    List<Long> times = new ArrayList<>(n);
    long taken = 0;
    for (int i = 0; i < n; i++) {
      Buffered next = buffer.poll();
      out.add(next.event());
      times.add(next.publishedAtNanos());
      taken += next.bytes();
    }
    bufferedBytes -= taken;
    bus.budget().release(taken);
    return new Batch(out, false, times, null);
  }

  public synchronized int buffered() {
    return buffer.size();
  }

  /** Bytes buffered now (as charged to the node's budget). */
  public long bufferedBytes() {
    return bufferedBytes;
  }

  /** True when a drain would return something: buffered events or a reset. */
  public synchronized boolean hasPending() {
    return overrun != null || !buffer.isEmpty();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      clearLocked();
    }
    bus.remove(this);
  }
}
