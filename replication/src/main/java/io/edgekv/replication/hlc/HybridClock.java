package io.edgekv.replication.hlc;

import java.time.Clock;

/**
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): 48 bits of
 * physical milliseconds and 16 bits of logical counter packed in one {@code long}, so that
 * timestamps compare as plain numbers and never go backwards, even when the wall clock does.
 *
 * <p>Thread-safe. The physical source is an injected {@link Clock} so tests can skew or freeze it.
 */
public final class HybridClock {
  static final int LOGICAL_BITS = 16;
  private static final long LOGICAL_MASK = (1L << LOGICAL_BITS) - 1;

  private final Clock clock;
  private long last;

  public HybridClock(Clock clock) {
    this.clock = clock;
  }

  /** The physical clock this HLC reads. */
  public Clock clock() {
    return clock;
  }

  /** A new timestamp, greater than every timestamp this clock issued or observed before. */
  public synchronized long now() {
    long physical = clock.millis() << LOGICAL_BITS;
    last = physical > last ? physical : last + 1;
    return last;
  }

  /** Advances this clock past a timestamp seen elsewhere (a replicated entry). */
  public synchronized void observe(long timestamp) {
    if (timestamp > last) {
      last = timestamp;
    }
  }

  /** The latest timestamp issued or observed, without advancing. */
  public synchronized long peek() {
    return last;
  }

  public static long physicalMillis(long timestamp) {
    return timestamp >>> LOGICAL_BITS;
  }

  public static int logical(long timestamp) {
    return (int) (timestamp & LOGICAL_MASK);
  }

  public static long fromMillis(long millis) {
    return millis << LOGICAL_BITS;
  }
}
