package io.edgekv.client;

import java.util.Objects;
import java.util.Optional;

/**
 * Per-call options of a {@code delete}: a condition, the idempotency key and the session token.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class DeleteOptions {

  private static final DeleteOptions DEFAULTS = builder().build();

  private final Version ifVersion;
  private final String requestId;
  private final String sessionToken;

  private DeleteOptions(Builder b) {
    this.ifVersion = b.ifVersion;
    this.requestId = b.requestId;
    this.sessionToken = b.sessionToken;
  }

  /** Unconditional, a fresh request id per call, the client's session token. */
  public static DeleteOptions defaults() {
    return DEFAULTS;
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The version the key must currently have for the delete to happen, if set. */
  public Optional<Version> ifVersion() {
    return Optional.ofNullable(ifVersion);
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
    return "DeleteOptions{ifVersion=" + ifVersion + ", requestId=" + requestId + "}";
  }

  /**
   * Builds {@link DeleteOptions}; rejects invalid values at once with an exception naming the
   * option. Not thread-safe.
   */
  public static final class Builder {
    private Version ifVersion;
    private String requestId;
    private String sessionToken;

    private Builder() {}

    /**
     * Makes the delete conditional on the key's current version being {@code version}.
     *
     * @throws NullPointerException if null
     */
    public Builder ifVersion(Version version) {
      this.ifVersion = Objects.requireNonNull(version, "ifVersion");
      return this;
    }

    /**
     * Sets the idempotency key.
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
    public DeleteOptions build() {
      return new DeleteOptions(this);
    }
  }
}
