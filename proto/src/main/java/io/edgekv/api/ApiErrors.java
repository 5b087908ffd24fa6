package io.edgekv.api;

/**
 * The names a node and its clients share in failed calls: the {@code google.rpc.ErrorInfo}
 * domain, its reasons and metadata keys, and the response headers the client reads. One home, so
 * that the server's translator and the client's reader cannot drift apart (docs/api.md, "Errors").
 */
public final class ApiErrors {

  /** The {@code ErrorInfo.domain} of every EdgeKV error. */
  public static final String DOMAIN = "edgekv.io";

  // ---------------------------------------------------------------- reasons

  /** A request field broke a limit ({@code INVALID_ARGUMENT}); metadata {@link #FIELD}, {@link #LIMIT}. */
  public static final String INVALID_FIELD = "INVALID_FIELD";
  /** A value left its range, e.g. a counter's ({@code OUT_OF_RANGE}); metadata {@link #FIELD}, {@link #LIMIT}. */
  public static final String OUT_OF_RANGE = "OUT_OF_RANGE";
  /** A write's condition did not hold ({@code FAILED_PRECONDITION}); metadata {@link #KEY}, {@link #CURRENT_VERSION}. */
  public static final String CONDITION_FAILED = "CONDITION_FAILED";
  /**
   * The region could not commit a write ({@code UNAVAILABLE}); metadata {@link #HEALTHY_REGION}
   * and {@link #HEALTHY_ENDPOINTS} when another region answers.
   */
  public static final String REGION_UNAVAILABLE = "REGION_UNAVAILABLE";
  /** A read that needs the region's quorum could not get it in time ({@code UNAVAILABLE}). */
  public static final String READ_UNAVAILABLE = "READ_UNAVAILABLE";
  /**
   * Too much in flight ({@code RESOURCE_EXHAUSTED}, with a {@code RetryInfo}); metadata {@link
   * #RESOURCE}, {@link #LIMIT}, {@link #RETRY_AFTER_MS}.
   */
  public static final String OVERLOADED = "OVERLOADED";
  /** Stored data is damaged on this node ({@code DATA_LOSS}); metadata {@link #FILE}, {@link #SHARD}. */
  public static final String STORAGE_CORRUPTION = "STORAGE_CORRUPTION";
  /** A shard of this node has failed ({@code UNAVAILABLE}); metadata {@link #SHARD}. */
  public static final String SHARD_FAILED = "SHARD_FAILED";
  /** The data directory is under its free-space floor ({@code RESOURCE_EXHAUSTED}); metadata {@link #FREE_BYTES}, {@link #MIN_FREE_BYTES}. */
  public static final String DISK_FULL = "DISK_FULL";

  // ---------------------------------------------------------------- metadata keys

  public static final String FIELD = "field";
  public static final String LIMIT = "limit";
  public static final String KEY = "key";
  public static final String CURRENT_VERSION = "currentVersion";
  public static final String HEALTHY_REGION = "healthyRegion";
  public static final String HEALTHY_ENDPOINTS = "healthyEndpoints";
  public static final String RESOURCE = "resource";
  public static final String RETRY_AFTER_MS = "retryAfterMs";
  public static final String FILE = "file";
  public static final String SHARD = "shard";
  public static final String FREE_BYTES = "freeBytes";
  public static final String MIN_FREE_BYTES = "minFreeBytes";

  // ---------------------------------------------------------------- headers

  /** Response header of a draining node ({@code true}); clients then prefer other endpoints. */
  public static final String DRAINING_HEADER = "edgekv-draining";

  private ApiErrors() {}
}
