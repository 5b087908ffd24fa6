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

  void offer(ChangeEvent event) {
    Runnable notify;
    synchronized (this) {
      if (closed || !selector.matches(event)) {
        return;
      }
      if (buffer.size() >= capacity) {
        buffer.clear();
        overrun = true;
      } else if (!overrun) {
        buffer.add(event);
      }
      notify = onAvailable;
    }
    notify.run();
  }

  /** What a drain returns: the buffered events in apply order, or {@code reset} after an overrun. */
  public record Batch(List<ChangeEvent> events, boolean reset) {}

  /** Takes everything buffered. After a reset the subscription starts buffering afresh. */
  public synchronized Batch drain() {
    if (overrun) {
      overrun = false;
      buffer.clear();
      return new Batch(List.of(), true);
    }
    List<ChangeEvent> out = new ArrayList<>(buffer);
    buffer.clear();
    return new Batch(out, false);
  }

  public synchronized int buffered() {
    return buffer.size();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      buffer.clear();
    }
    bus.remove(this);
  }
}
