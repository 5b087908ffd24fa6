package io.edgekv.sim;

/**
 * One simulation run's parameters. Defaults are {@link #defaults(int, int, long, long)}; every
 * value is checked by {@link #validate()} with a message naming the option.
 *
 * @param writesPerSecond client operations per simulated second, over all regions
 * @param valueBytes size of each put's value
 * @param logRetention replication-log entries kept per origin (small, so a long partition needs anti-entropy)
 * @param tombstoneGraceMillis grace before a tombstone every region has applied is collected
 * @param maxClockOffsetMillis how far ahead of a receiver's clock a batch may be before it is refused
 * @param faults whether the default fault schedule runs (partitions, loss, crashes, clock faults)
 * @param ignoreHlc the lww-ignore-hlc self-test bug: remote writes are merged in arrival order
 * @param maxHealMillis how long the healed system may take to converge before the checkers run anyway
 */
public record SimOptions(int regions, int popsPerRegion, long seed, long durationMillis, double writesPerSecond,
    int valueBytes, int keys, long logRetention, long tombstoneGraceMillis, long maxClockOffsetMillis,
    long gossipIntervalMillis, boolean faults, boolean ignoreHlc, long maxHealMillis) {

  public static SimOptions defaults(int regions, int popsPerRegion, long seed, long durationMillis) {
    return new SimOptions(regions, popsPerRegion, seed, durationMillis, 20, 1024, 2000,
        retentionFor(20, regions), 20_000, 500, 200, true, false, 600_000);
  }

  /**
   * The replication log keeps about 90 s of an origin's mutations (at least 64): short partitions
   * (up to 30 s) catch up from the log, the long one (a quarter of a 10-minute run) needs anti-entropy.
   */
  static long retentionFor(double writesPerSecond, int regions) {
    return Math.max(64, (long) Math.ceil(writesPerSecond / regions * 90 * 1.2));
  }

  public SimOptions withSeed(long newSeed) {
    return new SimOptions(regions, popsPerRegion, newSeed, durationMillis, writesPerSecond, valueBytes, keys,
        logRetention, tombstoneGraceMillis, maxClockOffsetMillis, gossipIntervalMillis, faults, ignoreHlc,
        maxHealMillis);
  }

  public SimOptions withIgnoreHlc(boolean on) {
    return new SimOptions(regions, popsPerRegion, seed, durationMillis, writesPerSecond, valueBytes, keys,
        logRetention, tombstoneGraceMillis, maxClockOffsetMillis, gossipIntervalMillis, faults, on, maxHealMillis);
  }

  public SimOptions withWorkload(double perSecond, int bytes) {
    return new SimOptions(regions, popsPerRegion, seed, durationMillis, perSecond, bytes, keys,
        retentionFor(perSecond, regions),
        tombstoneGraceMillis, maxClockOffsetMillis, gossipIntervalMillis, faults, ignoreHlc, maxHealMillis);
  }

  public SimOptions withFaults(boolean on) {
    return new SimOptions(regions, popsPerRegion, seed, durationMillis, writesPerSecond, valueBytes, keys,
        logRetention, tombstoneGraceMillis, maxClockOffsetMillis, gossipIntervalMillis, on, ignoreHlc, maxHealMillis);
  }

  public int pops() {
    return regions * popsPerRegion;
  }

  /** @throws IllegalArgumentException naming the option and its limits */
  public void validate() {
    check(regions >= 2 && regions <= 100, "--regions must be 2 to 100, was " + regions);
    check(popsPerRegion >= 1 && popsPerRegion <= 9, "--pops-per-region must be 1 to 9, was " + popsPerRegion);
    check(durationMillis >= 1_000 && durationMillis <= 24 * 3_600_000L,
        "--duration must be 1s to 24h, was " + durationMillis + " ms");
    check(writesPerSecond > 0 && writesPerSecond <= 10_000, "--writes-per-second must be above 0 and at most 10000");
    check(valueBytes >= 1 && valueBytes <= 65_536, "--value-bytes must be 1 to 65536, was " + valueBytes);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
