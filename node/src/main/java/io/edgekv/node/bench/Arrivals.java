package io.edgekv.node.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each of a fixed set of observers (watchers, reader nodes) first saw one change, in
 * {@code System.nanoTime()}; 0 = not yet. Thread-safe: observers report from their own threads.
 */
final class Arrivals {
  private final AtomicLongArray at;
  private final CountDownLatch remaining;

  Arrivals(int observers) {
    at = new AtomicLongArray(observers);
    remaining = new CountDownLatch(observers);
  }

  /** Records the first arrival at {@code observer}; later ones (duplicates) are ignored. */
  void arrived(int observer, long nanos) {
    if (at.compareAndSet(observer, 0, nanos)) {
      remaining.countDown();
    }
  }

  /** When {@code observer} first saw the change, or 0. */
  long at(int observer) {
    return at.get(observer);
  }

  /** Waits until every observer saw the change, at most {@code nanos}; true if all did. */
  boolean await(long nanos) throws InterruptedException {
    return remaining.await(nanos, TimeUnit.NANOSECONDS);
  }
}
