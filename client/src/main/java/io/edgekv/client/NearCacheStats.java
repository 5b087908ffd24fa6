package io.edgekv.client;

/**
 * Counters of a {@link NearCache} since it was built. Immutable snapshot.
 *
 * @param hits reads served from memory
 * @param misses reads that went to the server (including ones that joined a load in flight)
 * @param loadFailures server reads that failed
 * @param staleServed reads answered from an old entry because the server read failed (stale-if-error)
 * @param invalidations entries or loads dropped by change events
 * @param resets times everything was dropped (RESET, or a watch that restarted without resuming)
 */
public record NearCacheStats(long hits, long misses, long loadFailures, long staleServed, long invalidations,
    long resets) {
  /** hits / (hits + misses), 0 before the first read. */
  public double hitRatio() {
    long total = hits + misses;
    return total == 0 ? 0 : (double) hits / total;
  }
}
