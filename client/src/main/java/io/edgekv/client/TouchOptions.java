package io.edgekv.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-call options of a {@code touch}: the new time to live (required), the idempotency key and
 * the session token.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class TouchOptions {

  private final Duration ttl;
  private final String requestId;
  private final String sessionToken;

  private TouchOptions(Builder b) {
    this.ttl = b.ttl;
    this.requestId = b.requestId;
    this.sessionToken = b.sessionToken;
  }

  /**
   * Options with the given time to live and nothing else.
   *
   * @throws IllegalArgumentException naming {@code ttl} if under one second
   * @throws NullPointerException if null
   */
  public static TouchOptions of(Duration ttl) {
    return builder(ttl).build();
  }

  /**
   * A builder with the given time to live.
   *
   * @throws IllegalArgumentException naming {@code ttl} if under one second (the smallest TTL
   *     the server accepts)
   * @throws NullPointerException if null
   */
  public static Builder builder(Duration ttl) {
    return new Builder(ttl);
  }

  /** The new time to live, counted from when the server applies the touch; at least 1 s. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * The idempotency key, if set. When empty, the client generates a random UUID once per
   * logical call and sends it on every attempt of that call.
   */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /** The session token to send instead of the client's own, if set. */
  public Optional<String> sessionToken() {
    return Optional.ofNullable(sessionToken);
  }

  @Override
  public String toString() {
    return "TouchOptions{ttl=" + ttl + ", requestId=" + requestId + "}";
  }

  /**
   * Builds {@link TouchOptions}; rejects invalid values at once with an exception naming the
   * option. Not thread-safe.
   */
  public static final class Builder {
    private final Duration ttl;
    private String requestId;
    private String sessionToken;

    private Builder(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("ttl must be at least 1s, got " + ttl);
      }
      this.ttl = ttl;
    }

    /**
     * Sets the idempotency key: a touch with an id the server has already applied is not
     * applied again.
     *
     * @throws IllegalArgumentException if empty
     * @throws NullPointerException if null
     */
    public Builder requestId(String requestId) {
      Objects.requireNonNull(requestId, "requestId");
      if (requestId.isEmpty()) {
        throw new IllegalArgumentException("requestId must not be empty");
      }
      this.requestId = requestId;
      return this;
    }

    /** Sets the session token to send (overriding the client's); null or empty clears it. */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
      return this;
    }

    /** Builds the options. */
    public TouchOptions build() {
      return new TouchOptions(this);
    }
  }
}
