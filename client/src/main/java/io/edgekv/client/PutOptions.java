package io.edgekv.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Collections;

/**
 * Per-call options of a {@code put}: expiry, metadata, tags, a condition, the idempotency key
 * and the session token.
 *
 * <p>The data-model limits (at most 16 tags of at most 128 bytes, metadata at most 1 KiB, ...)
 * are enforced by the server, which refuses a violating write with {@code INVALID_ARGUMENT}
 * naming the field and the limit; this class only rejects values that can never be valid.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PutOptions {

  private static final PutOptions DEFAULTS = builder().build();

  private final Duration ttl;
  private final Map<String, String> metadata;
  private final List<String> tags;
  private final boolean ifAbsent;
  private final Version ifVersion;
  private final String requestId;
  private final String sessionToken;

  private PutOptions(Builder b) {
    this.ttl = b.ttl;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
    this.tags = List.copyOf(b.tags);
    this.ifAbsent = b.ifAbsent;
    this.ifVersion = b.ifVersion;
    this.requestId = b.requestId;
    this.sessionToken = b.sessionToken;
  }

  /** No expiry, no metadata or tags, unconditional, a fresh request id per call. */
  public static PutOptions defaults() {
    return DEFAULTS;
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The time to live, if set; the entry then reads as not found once it has passed. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** The metadata to store with the value; unmodifiable, in insertion order. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tags to store with the value; unmodifiable. */
  public List<String> tags() {
    return tags;
  }

  /** Whether the write happens only if the key does not exist (or is deleted or expired). */
  public boolean ifAbsent() {
    return ifAbsent;
  }

  /** The version the key must currently have for the write to happen, if set. */
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
    return "PutOptions{ttl=" + ttl + ", metadata=" + metadata + ", tags=" + tags
        + ", ifAbsent=" + ifAbsent + ", ifVersion=" + ifVersion + ", requestId=" + requestId + "}";
  }

  /**
   * Builds {@link PutOptions}; rejects invalid values at once with an exception naming the
   * option. Not thread-safe.
   */
  public static final class Builder {
    private Duration ttl;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<String> tags = new ArrayList<>();
    private boolean ifAbsent;
    private Version ifVersion;
    private String requestId;
    private String sessionToken;

    private Builder() {}

    /**
     * Sets the time to live, at millisecond precision.
     *
     * @throws IllegalArgumentException if under one second (the smallest TTL the server accepts)
     * @throws NullPointerException if null
     */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("ttl must be at least 1s, got " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Adds one metadata entry, replacing an earlier one with the same name.
     *
     * @throws NullPointerException if {@code name} or {@code value} is null
     */
    public Builder metadata(String name, String value) {
      metadata.put(Objects.requireNonNull(name, "metadata name"), Objects.requireNonNull(value, "metadata value"));
      return this;
    }

    /**
     * Adds metadata entries, replacing earlier ones with the same names.
     *
     * @throws NullPointerException if the map or any name or value in it is null
     */
    public Builder metadata(Map<String, String> entries) {
      Objects.requireNonNull(entries, "metadata").forEach(this::metadata);
      return this;
    }

    /**
     * Adds one tag.
     *
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if empty
     */
    public Builder tag(String tag) {
      Objects.requireNonNull(tag, "tag");
      if (tag.isEmpty()) {
        throw new IllegalArgumentException("tags must not contain an empty tag");
      }
      tags.add(tag);
      return this;
    }

    /**
     * Adds tags.
     *
     * @throws NullPointerException if the collection or any tag in it is null
     * @throws IllegalArgumentException if a tag is empty
     */
    public Builder tags(Collection<String> tags) {
      Objects.requireNonNull(tags, "tags").forEach(this::tag);
      return this;
    }

    /** Makes the write conditional on the key being absent. Exclusive with {@link #ifVersion}. */
    public Builder ifAbsent() {
      this.ifAbsent = true;
      return this;
    }

    /**
     * Makes the write conditional on the key's current version being {@code version}.
     * Exclusive with {@link #ifAbsent()}.
     *
     * @throws NullPointerException if null
     */
    public Builder ifVersion(Version version) {
      this.ifVersion = Objects.requireNonNull(version, "ifVersion");
      return this;
    }

    /**
     * Sets the idempotency key: a write with an id the server has already applied is not
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

    /**
     * Builds the options.
     *
     * @throws IllegalArgumentException if both {@code ifAbsent} and {@code ifVersion} are set
     */
    public PutOptions build() {
      if (ifAbsent && ifVersion != null) {
        throw new IllegalArgumentException("ifAbsent and ifVersion are mutually exclusive");
      }
      return new PutOptions(this);
    }
  }
}
