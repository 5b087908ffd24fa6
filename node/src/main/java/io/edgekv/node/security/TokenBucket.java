package io.edgekv.node.security;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket without a lock (the generic cell rate algorithm): one atomic "theoretical
 * arrival time"; a call is admitted when it would not push that time more than the burst ahead
 * of now, and the refusal says how long until it would be admitted. Many threads may call
 * {@link #tryAcquire} at once; they only retry a compare-and-set among themselves.
 */
final class TokenBucket {
  private final long intervalNanos;
  private final long burstNanos;
  private final AtomicLong theoreticalArrival;

  /**
   * @param perSecond calls per second (above 0)
   * @param burst calls admitted at once from a full bucket (0: one second's worth, at least 1)
   * @param nowNanos the current time of the caller's clock
   */
  TokenBucket(double perSecond, int burst, long nowNanos) {
    this.intervalNanos = Math.max(1, (long) (1_000_000_000L / perSecond));
    int size = burst > 0 ? burst : (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(perSecond)));
    this.burstNanos = Math.multiplyHigh(intervalNanos, size) == 0 ? intervalNanos * size : Long.MAX_VALUE / 4;
    this.theoreticalArrival = new AtomicLong(nowNanos);
  }

  /** 0 when the call is admitted (and counted), else the nanoseconds until it would be. */
  long tryAcquire(long nowNanos) {
    while (true) {
      long current = theoreticalArrival.get();
      long next = Math.max(current, nowNanos) + intervalNanos;
      long wait = next - nowNanos - burstNanos;
      if (wait > 0) {
        return wait;
      }
      if (theoreticalArrival.compareAndSet(current, next)) {
        return 0;
      }
    }
  }
}
