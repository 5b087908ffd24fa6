package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One subscriber's bounded buffer of matching change events. Publishing never blocks: when the
 * buffer is full the subscription is marked overrun and its buffer dropped, and the consumer
 * must treat everything it cached for this subscription as stale (a {@code RESET}).
 *
 * <p>Thread-safe: the bus publishes from apply threads while one consumer drains.
 */
public final class Subscription implements AutoCloseable {
  private final Selector selector;
  private final int capacity;
  private final InvalidationBus bus;
  private final ArrayDeque<ChangeEvent> buffer = new ArrayDeque<>();
  private final ArrayDeque<Long> publishedAt = new ArrayDeque<>();
  private boolean overrun;
  private boolean closed;
  private Runnable onAvailable = () -> {};

  Subscription(Selector selector, int capacity, InvalidationBus bus) {
    this.selector = selector;
    this.capacity = capacity;
    this.bus = bus;
  }

  public Selector selector() {
    return selector;
  }

  /** Called (on the publishing thread, without locks held) whenever new events are buffered. */
  public synchronized void onAvailable(Runnable callback) {
    this.onAvailable = callback;
  }

  void offer(ChangeEvent event, long nanoTime) {
    Runnable notify;
    synchronized (this) {
      if (closed || !selector.matches(event)) {
        return;
      }
      if (buffer.size() >= capacity) {
        buffer.clear();
        publishedAt.clear();
        overrun = true;
      } else if (!overrun) {
        buffer.add(event);
        publishedAt.add(nanoTime);
      }
      notify = onAvailable;
    }
    notify.run();
  }

  /**
   * What a drain returns: the buffered events in apply order with the bus's clock reading when
   * each was published (for fan-out latency), or {@code reset} after an overrun.
   */
  public record Batch(List<ChangeEvent> events, boolean reset, List<Long> publishedAtNanos) {
    public Batch(List<ChangeEvent> events, boolean reset) {
      this(events, reset, List.of());
    }
  }

  /** Takes everything buffered. After a reset the subscription starts buffering afresh. */
  public synchronized Batch drain() {
    if (overrun) {
      overrun = false;
      buffer.clear();
      publishedAt.clear();
      return new Batch(List.of(), true);
    }
    List<ChangeEvent> out = new ArrayList<>(buffer);
    List<Long> times = new ArrayList<>(publishedAt);
    buffer.clear();
    publishedAt.clear();
    return new Batch(out, false, times);
  }

  public synchronized int buffered() {
    return buffer.size();
  }

  /** True when a drain would return something: buffered events or a reset. */
  public synchronized boolean hasPending() {
    return overrun || !buffer.isEmpty();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      buffer.clear();
      publishedAt.clear();
    }
    bus.remove(this);
  }
}
