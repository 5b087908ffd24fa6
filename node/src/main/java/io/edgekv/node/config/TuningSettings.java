package io.edgekv.node.config;

import java.time.Duration;

/**
 * The node's own thread pools and housekeeping timings (the {@code tuning} section). The defaults
 * suit every deployment measured so far (docs/benchmarks.md); they are settings so that a test or
 * an operator can change one without a build.
 *
 * @param publicThreads threads serving data calls of the public port that may wait (writes, reads
 *     that wait for a barrier or the disk; EVENTUAL reads from memory are answered on the
 *     transport threads): default one per core, at least 2
 * @param internalThreads threads serving the internal port (default 2)
 * @param adminThreads threads serving admin and health calls of the public port (default 2)
 * @param tickInterval how often the node samples freshness and readiness (default 50ms)
 * @param housekeepingInterval how often it sweeps expired entries, collects tombstones and
 *     re-reads the free disk space (default 1s; a whole number of ticks)
 * @param sweepBatch expired entries or tombstones removed per shard and sweep (default 500)
 * @param shipBatchEntries mutations per cross-region batch (default 512)
 * @param shipRetryBackoff wait before re-sending to a region that failed (default 200ms)
 * @param relayAfterGossipRounds a third region's mutations are relayed once they are this many
 *     gossip rounds old: long enough for the direct link to deliver them, short enough around a
 *     cut link (default 5)
 * @param sessionReadWait longest a SESSION read waits for this node to apply what its token names before it
 *     goes through a Raft read index instead (default 1s)
 * @param stopGrace how long a graceful stop lets in-flight calls finish (default 5s)
 * @param drainHandOff how long a drain tries to move leadership away (default 10s)
 * @param healthyRegionWithin a region that answered within this is named in the hint of a
 *     refused write (default 10s)
 */
public record TuningSettings(int publicThreads, int internalThreads, int adminThreads, Duration tickInterval,
    Duration housekeepingInterval, int sweepBatch, int shipBatchEntries, Duration shipRetryBackoff,
    int relayAfterGossipRounds, Duration sessionReadWait, Duration stopGrace, Duration drainHandOff,
    Duration healthyRegionWithin) {

  /** Public-port threads by default: every call they run only hands work on, so one per core suffices. */
  public static final int DEFAULT_PUBLIC_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  public static final TuningSettings DEFAULT = new TuningSettings(DEFAULT_PUBLIC_THREADS, 2, 2, Duration.ofMillis(50),
      Duration.ofSeconds(1), 500, 512, Duration.ofMillis(200), 5, Duration.ofSeconds(1), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(10));

  /** Ticks between two housekeeping rounds (at least 1). */
  public long ticksPerHousekeeping() {
    return Math.max(1, housekeepingInterval.toMillis() / tickInterval.toMillis());
  }

  void validate() {
    positive(publicThreads, "tuning.publicThreads");
    positive(internalThreads, "tuning.internalThreads");
    positive(adminThreads, "tuning.adminThreads");
    check(tickInterval.toMillis() >= 1, "tuning.tickInterval", "must be at least 1ms, was "
        + Durations.format(tickInterval));
    check(housekeepingInterval.compareTo(tickInterval) >= 0, "tuning.housekeepingInterval",
        "must be at least tuning.tickInterval, was " + Durations.format(housekeepingInterval));
    positive(sweepBatch, "tuning.sweepBatch");
    positive(shipBatchEntries, "tuning.shipBatchEntries");
    check(shipRetryBackoff.toMillis() >= 1, "tuning.shipRetryBackoff", "must be at least 1ms");
    positive(relayAfterGossipRounds, "tuning.relayAfterGossipRounds");
    check(sessionReadWait.toMillis() >= 1, "tuning.sessionReadWait", "must be at least 1ms");
    check(!stopGrace.isNegative(), "tuning.stopGrace", "must not be negative");
    check(drainHandOff.toMillis() >= 1, "tuning.drainHandOff", "must be at least 1ms");
    check(healthyRegionWithin.toMillis() >= 1, "tuning.healthyRegionWithin", "must be at least 1ms");
  }

  private static void positive(int value, String key) {
    check(value >= 1, key, "must be at least 1, was " + value);
  }

  private static void check(boolean ok, String key, String message) {
    if (!ok) {
      throw new ConfigException(key + " " + message);
    }
  }
}
