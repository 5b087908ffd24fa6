package io.edgekv.replication;

import java.time.Duration;

/**
 * A request was refused at once because a bounded queue is full (a shard's outstanding
 * proposals or bytes, its outstanding read barriers); nothing was changed. The caller may retry
 * after {@link #retryAfter()}.
 */
public final class OverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String resource;
  private final String limit;
  private final Duration retryAfter;

  public OverloadedException(String resource, String limit, Duration retryAfter, String message) {
    super(message);
    this.resource = resource;
    this.limit = limit;
    this.retryAfter = retryAfter;
  }

  /** What is full, e.g. {@code shard 0 proposals}. */
  public String resource() {
    return resource;
  }

  /** The limit that was reached, as a printable value. */
  public String limit() {
    return limit;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
