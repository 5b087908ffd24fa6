package io.edgekv.client;

import java.util.Objects;
import java.util.Optional;

/**
 * Per-call options of a {@code scan}: page size, where to continue, whether to leave values
 * out, and the read options.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ScanOptions {

  /** The largest page the server returns. */
  public static final int MAX_LIMIT = 1000;

  private static final ScanOptions DEFAULTS = builder().build();

  private final int limit;
  private final String continuationToken;
  private final boolean keysOnly;
  private final ReadOptions read;

  private ScanOptions(Builder b) {
    this.limit = b.limit;
    this.continuationToken = b.continuationToken;
    this.keysOnly = b.keysOnly;
    this.read = b.read;
  }

  /** The server's default page size, from the first page, with values, default read options. */
  public static ScanOptions defaults() {
    return DEFAULTS;
  }

  /** A builder with the defaults set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The page size; 0 means the server's default (100). */
  public int limit() {
    return limit;
  }

  /** The token of the page to continue from, if set; empty for the first page. */
  public Optional<String> continuationToken() {
    return Optional.ofNullable(continuationToken);
  }

  /** Whether entries come without their values. */
  public boolean keysOnly() {
    return keysOnly;
  }

  /** The read options (consistency, session token); never null. */
  public ReadOptions read() {
    return read;
  }

  /** A copy of these options continuing from {@code token} (null: from the first page). */
  public ScanOptions withContinuationToken(String token) {
    return toBuilder().continuationToken(token).build();
  }

  /** A builder holding these options. */
  public Builder toBuilder() {
    return builder().limit(limit).continuationToken(continuationToken).keysOnly(keysOnly).read(read);
  }

  @Override
  public String toString() {
    return "ScanOptions{limit=" + limit + ", continuationToken=" + continuationToken
        + ", keysOnly=" + keysOnly + ", read=" + read + "}";
  }

  /**
   * Builds {@link ScanOptions}; rejects invalid values at once with an exception naming the
   * option. Not thread-safe.
   */
  public static final class Builder {
    private int limit;
    private String continuationToken;
    private boolean keysOnly;
    private ReadOptions read = ReadOptions.defaults();

    private Builder() {}

    /**
     * Sets the page size; 0 means the server's default.
     *
     * @throws IllegalArgumentException unless {@code 0 <= limit <= 1000}
     */
    public Builder limit(int limit) {
      if (limit < 0 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "limit must be between 1 and " + MAX_LIMIT + " (0 = server default), got " + limit);
      }
      this.limit = limit;
      return this;
    }

    /** Continues from the page this token names; null or empty starts from the first page. */
    public Builder continuationToken(String continuationToken) {
      this.continuationToken =
          continuationToken == null || continuationToken.isEmpty() ? null : continuationToken;
      return this;
    }

    /** Leaves values out of the entries (their digests are still returned). */
    public Builder keysOnly(boolean keysOnly) {
      this.keysOnly = keysOnly;
      return this;
    }

    /**
     * Sets the read options.
     *
     * @throws NullPointerException if null
     */
    public Builder read(ReadOptions read) {
      this.read = Objects.requireNonNull(read, "read");
      return this;
    }

    /** Builds the options. */
    public ScanOptions build() {
      return new ScanOptions(this);
    }
  }
}
