package io.edgekv.invalidation;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A node-wide byte budget shared by every buffer that holds changes for Watch subscribers: the
 * bus's subscriptions and the replays that join a resumed stream to the changelog. Reserving
 * never blocks; a full budget answers {@code false} and the caller sheds load (a RESET).
 *
 * <p>Thread-safe.
 */
public final class BufferBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  BufferBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} from the budget, or nothing when that would pass the limit. */
  public boolean tryReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, was " + bytes);
    }
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  /** Gives back bytes taken by {@link #tryReserve}. */
  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  /** Bytes reserved now. */
  public long used() {
    return used.get();
  }

  public long limit() {
    return limit;
  }
}
