package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A node's invalidation bus: every change the node applies, local or replicated, is published
 * here once, and fans out to the subscriptions whose selector matches it. Publishing is
 * non-blocking and bounded per subscriber, so a slow subscriber never holds up apply.
 *
 * <p>Thread-safe.
 */
public final class InvalidationBus {
  private final int subscriberCapacity;
  private final LongSupplier nanoTime;
  private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final AtomicLong published = new AtomicLong();

  /** @param subscriberCapacity events buffered per subscription before it is reset */
  public InvalidationBus(int subscriberCapacity) {
    this(subscriberCapacity, System::nanoTime);
  }

  /**
   * @param subscriberCapacity events buffered per subscription before it is reset
   * @param nanoTime the clock that stamps each event's publication (for fan-out latency)
   */
  public InvalidationBus(int subscriberCapacity, LongSupplier nanoTime) {
    if (subscriberCapacity < 1) {
      throw new IllegalArgumentException("invalidation.subscriberCapacity must be at least 1, was "
          + subscriberCapacity);
    }
    this.subscriberCapacity = subscriberCapacity;
    this.nanoTime = nanoTime;
  }

  /** Publishes one applied change to every matching subscription. */
  public void publish(ChangeEvent event) {
    published.incrementAndGet();
    long now = nanoTime.getAsLong();
    for (Subscription subscription : subscriptions) {
      subscription.offer(event, now);
    }
  }

  public Subscription subscribe(Selector selector) {
    return subscribe(selector, subscriberCapacity);
  }

  /** A subscription with its own buffer size (events buffered before it is reset). */
  public Subscription subscribe(Selector selector, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    Subscription subscription = new Subscription(selector, capacity, this);
    subscriptions.add(subscription);
    return subscription;
  }

  void remove(Subscription subscription) {
    subscriptions.remove(subscription);
  }

  public int subscriberCount() {
    return subscriptions.size();
  }

  public long publishedCount() {
    return published.get();
  }
}
