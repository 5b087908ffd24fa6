package io.edgekv.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * One PoP's wall clock in a simulation: the simulated time plus an offset that drifts (parts per
 * million) and jumps (an NTP step, a VM pause). This is the {@link Clock} the PoP's hybrid logical
 * clock and shipper read, so clock faults reach the production code exactly as a bad host clock
 * would.
 */
final class SimClock extends Clock {
  /** Wall-clock epoch of simulated time 0: a fixed instant, so runs do not depend on today. */
  static final long EPOCH_MILLIS = 1_767_225_600_000L;

  private final SimLoop loop;
  private double offsetMillis;
  private double driftPpm;
  private long driftSince;

  SimClock(SimLoop loop, double offsetMillis, double driftPpm) {
    this.loop = loop;
    this.offsetMillis = offsetMillis;
    this.driftPpm = driftPpm;
  }

  /** How far this clock is from true simulated time now, in milliseconds. */
  double offsetMillis() {
    return offsetMillis + (loop.now() - driftSince) * driftPpm / 1_000_000.0;
  }

  /** Steps the clock by {@code millis} (negative: backwards). */
  void jump(double millis) {
    rebase();
    offsetMillis += millis;
  }

  /** Sets the drift rate from now on. */
  void drift(double ppm) {
    rebase();
    driftPpm = ppm;
  }

  /** Puts the clock back to true time (after heal, as NTP would). */
  void resync() {
    rebase();
    offsetMillis = 0;
    driftPpm = 0;
  }

  private void rebase() {
    offsetMillis = offsetMillis();
    driftSince = loop.now();
  }

  @Override
  public long millis() {
    return EPOCH_MILLIS + loop.now() + (long) Math.floor(offsetMillis());
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a simulated clock has one zone, UTC");
  }
}
