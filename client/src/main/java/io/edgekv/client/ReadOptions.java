package io.edgekv.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-call options of a read ({@code get}, {@code batchGet}, {@code scan}).
 *
 * <p>When {@link #sessionToken()} is empty, the client sends the latest session token it
 * received (see {@link EdgeKvClient#sessionToken()}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ReadOptions {

  private static final ReadOptions DEFAULTS = builder().build();

  private final Consistency consistency;
  private final String sessionToken;
  private final Duration maxStaleness;

  private ReadOptions(Builder b) {
    this.consistency = b.consistency;
    this.sessionToken = b.sessionToken;
    this.maxStaleness = b.maxStaleness;
  }

  /** {@link Consistency#EVENTUAL}, the client's session token, no staleness bound. */
  public static ReadOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Options with the given consistency and nothing else set.
   *
   * @throws IllegalArgumentException for {@link Consistency#BOUNDED}, which needs a bound:
   *     use {@link #bounded(Duration)}
   */
  public static ReadOptions of(Consistency consistency) {
    return builder().consistency(consistency).build();
  }

  /**
   * Options for a {@link Consistency#BOUNDED} read accepting at most {@code maxStaleness}.
   *
   * @throws IllegalArgumentException if {@code maxStaleness} is not positive
   */
  public static ReadOptions bounded(Duration maxStaleness) {
    return builder().consistency(Consistency.BOUNDED).maxStaleness(maxStaleness).build();
  }

  /** A builder with the defaults set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The consistency asked for; never null. */
  public Consistency consistency() {
    return consistency;
  }

  /** The session token to send instead of the client's own, if set. */
  public Optional<String> sessionToken() {
    return Optional.ofNullable(sessionToken);
  }

  /** The largest staleness a {@link Consistency#BOUNDED} read accepts, if set. */
  public Optional<Duration> maxStaleness() {
    return Optional.ofNullable(maxStaleness);
  }

  @Override
  public String toString() {
    return "ReadOptions{consistency=" + consistency + ", sessionToken=" + sessionToken
        + ", maxStaleness=" + maxStaleness + "}";
  }

  /**
   * Builds {@link ReadOptions}; rejects invalid values at once with an exception naming the
   * option. Not thread-safe.
   */
  public static final class Builder {
    private Consistency consistency = Consistency.EVENTUAL;
    private String sessionToken;
    private Duration maxStaleness;

    private Builder() {}

    /**
     * Sets the consistency.
     *
     * @throws NullPointerException if null
     */
    public Builder consistency(Consistency consistency) {
      this.consistency = Objects.requireNonNull(consistency, "consistency");
      return this;
    }

    /**
     * Sets the session token to send (overriding the client's); null or empty clears it.
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
      return this;
    }

    /**
     * Sets the largest staleness a {@link Consistency#BOUNDED} read accepts, at millisecond
     * precision.
     *
     * @throws IllegalArgumentException if zero, negative or under one millisecond
     * @throws NullPointerException if null
     */
    public Builder maxStaleness(Duration maxStaleness) {
      Objects.requireNonNull(maxStaleness, "maxStaleness");
      if (maxStaleness.toMillis() < 1) {
        throw new IllegalArgumentException(
            "maxStaleness must be at least 1ms, got " + maxStaleness);
      }
      this.maxStaleness = maxStaleness;
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalArgumentException if the consistency is {@link Consistency#BOUNDED} and no
     *     {@code maxStaleness} was set
     */
    public ReadOptions build() {
      if (consistency == Consistency.BOUNDED && maxStaleness == null) {
        throw new IllegalArgumentException("maxStaleness is required for BOUNDED consistency");
      }
      return new ReadOptions(this);
    }
  }
}
