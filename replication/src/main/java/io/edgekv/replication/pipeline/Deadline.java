package io.edgekv.replication.pipeline;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An absolute point in {@link System#nanoTime()} time by which a request must be answered.
 * Every wait of the request pipeline is bounded by one.
 */
public record Deadline(long atNanos) {
  public static Deadline after(Duration timeout) {
    return new Deadline(System.nanoTime() + timeout.toNanos());
  }

  public static Deadline afterMillis(long millis) {
    return new Deadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
  }

  public long remainingNanos() {
    return atNanos - System.nanoTime();
  }

  public long remainingMillis() {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(remainingNanos()));
  }

  public boolean expired() {
    return remainingNanos() <= 0;
  }

  /** The earlier of this deadline and {@code timeout} from now. */
  public Deadline atMost(Duration timeout) {
    long other = System.nanoTime() + timeout.toNanos();
    return other - atNanos < 0 ? new Deadline(other) : this;
  }
}
