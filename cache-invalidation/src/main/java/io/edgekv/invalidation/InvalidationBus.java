package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's invalidation bus: every change the node applies, local or replicated, is published
 * here once, and fans out to the subscriptions whose selector matches it. Publishing is
 * non-blocking and bounded per subscriber, so a slow subscriber never holds up apply.
 *
 * <p>Thread-safe.
 */
public final class InvalidationBus {
  private final int subscriberCapacity;
  private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final AtomicLong published = new AtomicLong();

  /** @param subscriberCapacity events buffered per subscription before it is reset */
  public InvalidationBus(int subscriberCapacity) {
    if (subscriberCapacity < 1) {
      throw new IllegalArgumentException("invalidation.subscriberCapacity must be at least 1, was "
          + subscriberCapacity);
    }
    this.subscriberCapacity = subscriberCapacity;
  }

  /** Publishes one applied change to every matching subscription. */
  public void publish(ChangeEvent event) {
    published.incrementAndGet();
    for (Subscription subscription : subscriptions) {
      subscription.offer(event);
    }
  }

  public Subscription subscribe(Selector selector) {
    Subscription subscription = new Subscription(selector, subscriberCapacity, this);
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
