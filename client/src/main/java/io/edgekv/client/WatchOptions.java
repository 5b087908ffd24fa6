package io.edgekv.client;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link Watch} subscribes to: keys, key prefixes, tags and publish topics (any match);
 * none of them means every change of the namespace. Immutable; built with {@link #builder()},
 * whose setters reject invalid values at once naming the option.
 */
public final class WatchOptions {
  private final List<ByteString> keys;
  private final List<ByteString> prefixes;
  private final List<String> tags;
  private final List<String> topics;
  private final boolean includeValues;
  private final String resumeFrom;
  private final Duration maxReconnectBackoff;
  private final Duration progressInterval;

  private WatchOptions(Builder b) {
    this.keys = List.copyOf(b.keys);
    this.prefixes = List.copyOf(b.prefixes);
    this.tags = List.copyOf(b.tags);
    this.topics = List.copyOf(b.topics);
    this.includeValues = b.includeValues;
    this.resumeFrom = b.resumeFrom;
    this.maxReconnectBackoff = b.maxReconnectBackoff;
    this.progressInterval = b.progressInterval;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every change of the namespace. */
  public static WatchOptions everything() {
    return builder().build();
  }

  public List<ByteString> keys() {
    return keys;
  }

  public List<ByteString> prefixes() {
    return prefixes;
  }

  public List<String> tags() {
    return tags;
  }

  public List<String> topics() {
    return topics;
  }

  public boolean includeValues() {
    return includeValues;
  }

  /** The position to resume after, or null to start from now. */
  public String resumeFrom() {
    return resumeFrom;
  }

  public Duration maxReconnectBackoff() {
    return maxReconnectBackoff;
  }

  /** How often the server sends a progress event ({@link WatchListener#onProgress}); zero = never. */
  public Duration progressInterval() {
    return progressInterval;
  }

  /** Builds {@link WatchOptions}. Not thread-safe. */
  public static final class Builder {
    private final List<ByteString> keys = new ArrayList<>();
    private final List<ByteString> prefixes = new ArrayList<>();
    private final List<String> tags = new ArrayList<>();
    private final List<String> topics = new ArrayList<>();
    private boolean includeValues;
    private String resumeFrom;
    private Duration maxReconnectBackoff = Duration.ofSeconds(2);
    private Duration progressInterval = Duration.ZERO;

    private Builder() {}

    public Builder key(String key) {
      return key(Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8));
    }

    public Builder key(byte[] key) {
      if (Objects.requireNonNull(key, "key").length == 0) {
        throw new IllegalArgumentException("key: must not be empty");
      }
      keys.add(ByteString.copyFrom(key));
      return this;
    }

    public Builder prefix(String prefix) {
      return prefix(Objects.requireNonNull(prefix, "prefix").getBytes(StandardCharsets.UTF_8));
    }

    public Builder prefix(byte[] prefix) {
      prefixes.add(ByteString.copyFrom(Objects.requireNonNull(prefix, "prefix")));
      return this;
    }

    public Builder tag(String tag) {
      if (Objects.requireNonNull(tag, "tag").isEmpty()) {
        throw new IllegalArgumentException("tag: must not be empty");
      }
      tags.add(tag);
      return this;
    }

    public Builder topic(String topic) {
      if (Objects.requireNonNull(topic, "topic").isEmpty()) {
        throw new IllegalArgumentException("topic: must not be empty");
      }
      topics.add(topic);
      return this;
    }

    /** Put events carry the entry as stored (one local read on the server per put). */
    public Builder includeValues(boolean includeValues) {
      this.includeValues = includeValues;
      return this;
    }

    /** Resume after a position from an earlier {@link InvalidationEvent#position()} of the same region. */
    public Builder resumeFrom(String position) {
      this.resumeFrom = position == null || position.isEmpty() ? null : position;
      return this;
    }

    /** The longest wait between reconnection attempts (default 2 s). */
    public Builder maxReconnectBackoff(Duration backoff) {
      if (Objects.requireNonNull(backoff, "maxReconnectBackoff").isNegative() || backoff.isZero()) {
        throw new IllegalArgumentException("maxReconnectBackoff: must be positive, got " + backoff);
      }
      this.maxReconnectBackoff = backoff;
      return this;
    }

    /**
     * Ask the server for a progress event at most this often while no change arrives (100 ms to
     * 60 s; default zero = none). Each says how far behind its region the serving node may be,
     * which bounds how stale what the subscriber saw is ({@link WatchListener#onProgress}).
     */
    public Builder progressInterval(Duration interval) {
      long millis = Objects.requireNonNull(interval, "progressInterval").toMillis();
      if (!interval.isZero() && (millis < 100 || millis > 60_000)) {
        throw new IllegalArgumentException("progressInterval: must be zero or 100 ms to 60 s, got " + interval);
      }
      this.progressInterval = interval;
      return this;
    }

    public WatchOptions build() {
      return new WatchOptions(this);
    }
  }
}
