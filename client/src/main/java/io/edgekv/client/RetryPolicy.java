package io.edgekv.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a client retries a call that failed transiently.
 *
 * <p>A call is retried only on {@code UNAVAILABLE}, and on {@code DEADLINE_EXCEEDED} when it was
 * an attempt's own {@link #perAttemptTimeout()} that ran out while the call's deadline had time
 * left. Writes are retried too: each logical write carries one request id on every attempt,
 * so the server applies it at most once. Every retry goes to the next endpoint in the
 * client's list (round robin; endpoints that said they are draining come last). Admin calls
 * that act on one node are the exception: they make one attempt, on that node. Attempts are spaced by exponential backoff, from {@link
 * #initialBackoff()} growing by {@link #multiplier()} up to {@link #maxBackoff()}, each
 * randomized to between half and all of its nominal value. A call stops after {@link
 * #maxAttempts()} attempts or when its deadline has no room for the next backoff, whichever
 * comes first, and reports the last error.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RetryPolicy {

  private static final RetryPolicy DEFAULTS = builder().build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final Duration perAttemptTimeout;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.perAttemptTimeout = b.perAttemptTimeout;
  }

  /** 3 attempts, backoff from 50 ms doubling up to 1 s, no per-attempt timeout. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** A policy that makes exactly one attempt. */
  public static RetryPolicy noRetries() {
    return builder().maxAttempts(1).build();
  }

  /** A builder starting from the {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The largest number of attempts per call, the first included; at least 1. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The nominal wait before the second attempt. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The largest nominal wait between two attempts. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The factor each successive nominal backoff grows by; at least 1. */
  public double multiplier() {
    return multiplier;
  }

  /**
   * The deadline of one attempt, if set; an attempt that exceeds it is retried on the next
   * endpoint while the call's deadline has time left. When empty, each attempt may use all of
   * the call's remaining deadline (so a hung endpoint is not failed over).
   */
  public Optional<Duration> perAttemptTimeout() {
    return Optional.ofNullable(perAttemptTimeout);
  }

  /** The nominal backoff before attempt {@code attempt + 1}, for {@code attempt >= 1}. */
  long nominalBackoffNanos(int attempt) {
    double nanos = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1);
    return (long) Math.min(nanos, maxBackoff.toNanos());
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff + ", multiplier=" + multiplier
        + ", perAttemptTimeout=" + perAttemptTimeout + "}";
  }

  /**
   * Builds a {@link RetryPolicy}. Each setter rejects an invalid value at once with an {@link
   * IllegalArgumentException} naming the option. Not thread-safe.
   */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(1);
    private double multiplier = 2.0;
    private Duration perAttemptTimeout;

    private Builder() {}

    /**
     * Sets the largest number of attempts per call, the first included.
     *
     * @throws IllegalArgumentException unless {@code 1 <= maxAttempts <= 100}
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw new IllegalArgumentException(
            "maxAttempts must be between 1 and 100, got " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the nominal wait before the second attempt.
     *
     * @throws IllegalArgumentException if negative
     * @throws NullPointerException if null
     */
    public Builder initialBackoff(Duration initialBackoff) {
      Objects.requireNonNull(initialBackoff, "initialBackoff");
      if (initialBackoff.isNegative()) {
        throw new IllegalArgumentException("initialBackoff must not be negative, got " + initialBackoff);
      }
      this.initialBackoff = initialBackoff;
      return this;
    }

    /**
     * Sets the largest nominal wait between attempts.
     *
     * @throws IllegalArgumentException if negative
     * @throws NullPointerException if null
     */
    public Builder maxBackoff(Duration maxBackoff) {
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (maxBackoff.isNegative()) {
        throw new IllegalArgumentException("maxBackoff must not be negative, got " + maxBackoff);
      }
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * Sets the factor each successive backoff grows by.
     *
     * @throws IllegalArgumentException unless {@code 1 <= multiplier <= 10}
     */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0 && multiplier <= 10.0)) {
        throw new IllegalArgumentException("multiplier must be between 1 and 10, got " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /**
     * Sets the deadline of one attempt (see {@link RetryPolicy#perAttemptTimeout()}).
     *
     * @throws IllegalArgumentException if zero or negative
     * @throws NullPointerException if null
     */
    public Builder perAttemptTimeout(Duration perAttemptTimeout) {
      Objects.requireNonNull(perAttemptTimeout, "perAttemptTimeout");
      if (perAttemptTimeout.isNegative() || perAttemptTimeout.isZero()) {
        throw new IllegalArgumentException(
            "perAttemptTimeout must be positive, got " + perAttemptTimeout);
      }
      this.perAttemptTimeout = perAttemptTimeout;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException if {@code maxBackoff < initialBackoff}
     */
    public RetryPolicy build() {
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff (" + maxBackoff + ") must not be less than initialBackoff ("
                + initialBackoff + ")");
      }
      return new RetryPolicy(this);
    }
  }
}
