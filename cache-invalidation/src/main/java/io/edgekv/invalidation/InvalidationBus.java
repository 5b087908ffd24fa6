package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's invalidation bus: every change the node applies, local or replicated, is published
 * here once, and fans out to the subscriptions whose selector matches it. Publishing is
 * non-blocking and bounded, so a slow subscriber never holds up apply nor exhausts memory: each
 * subscription holds at most {@link BufferLimits#streamEvents()} events and
 * {@link BufferLimits#streamBytes()} bytes, and all of them together at most
 * {@link BufferLimits#nodeBytes()} bytes (see {@link Subscription} for what happens past them).
 * The bus keeps no history of its own: the changelog (in storage) does.
 *
 * <p>Thread-safe.
 */
public final class InvalidationBus {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidationBus.class);

  private final BufferLimits limits;
  private final BufferBudget budget;
  private final LongSupplier nanoTime;
  private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final AtomicLong published = new AtomicLong();
  private final Map<Subscription.Overrun, LongAdder> overruns = new EnumMap<>(Subscription.Overrun.class);

  /** A bus with the default byte limits and {@code subscriberCapacity} events per subscription. */
  public InvalidationBus(int subscriberCapacity) {
    this(new BufferLimits(subscriberCapacity, BufferLimits.DEFAULTS.streamBytes(), BufferLimits.DEFAULTS.nodeBytes()),
        System::nanoTime);
  }

  /**
   * @param limits what the subscriptions may buffer
   * @param nanoTime the clock that stamps each event's publication (for fan-out latency)
   */
  public InvalidationBus(BufferLimits limits, LongSupplier nanoTime) {
    this.limits = limits;
    this.budget = new BufferBudget(limits.nodeBytes());
    this.nanoTime = nanoTime;
    for (Subscription.Overrun cause : Subscription.Overrun.values()) {
      overruns.put(cause, new LongAdder());
    }
  }

  /** Publishes one applied change to every matching subscription; never blocks, never throws for a subscriber. */
  public void publish(ChangeEvent event) {
    published.incrementAndGet();
    if (subscriptions.isEmpty()) {
      return;
    }
    long now = nanoTime.getAsLong();
    long bytes = BufferLimits.footprint(event);
    for (Subscription subscription : subscriptions) {
      subscription.offer(event, now, bytes);
    }
  }

  public Subscription subscribe(Selector selector) {
    Subscription subscription = new Subscription(selector, limits, this);
    subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Overruns the subscription that holds the most bytes, so that the node's budget has room
   * again: the slowest consumer pays, not the one that happens to publish next.
   *
   * @return whether a subscription gave its bytes back
   */
  boolean shedLargest() {
    Subscription largest = null;
    long most = 0;
    for (Subscription subscription : subscriptions) {
      long bytes = subscription.bufferedBytes();
      if (bytes > most) {
        most = bytes;
        largest = subscription;
      }
    }
    return largest != null && largest.overrun(Subscription.Overrun.NODE_BYTES);
  }

  void overran(Subscription.Overrun cause) {
    overruns.get(cause).increment();
  }

  /** Runs a subscriber's wake-up callback; a failing one must not fail the apply that published. */
  void notifySafely(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      LOG.warn("a subscriber's wake-up failed (the subscriber drains when it next can): {}", e.toString());
    }
  }

  void remove(Subscription subscription) {
    subscriptions.remove(subscription);
  }

  public BufferLimits limits() {
    return limits;
  }

  /** The node-wide byte budget of everything buffered for subscribers. */
  public BufferBudget budget() {
    return budget;
  }

  /** How often a subscription was overrun by {@code cause} since the bus started. */
  public long overruns(Subscription.Overrun cause) {
    return overruns.get(cause).sum();
  }

  public int subscriberCount() {
    return subscriptions.size();
  }

  public long publishedCount() {
    return published.get();
  }
}
