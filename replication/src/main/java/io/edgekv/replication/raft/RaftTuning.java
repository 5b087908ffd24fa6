package io.edgekv.replication.raft;

import java.time.Duration;

/**
 * Timing and size limits of the regional Raft groups.
 *
 * @param electionTimeoutMin lower bound of the randomized election timeout
 * @param electionTimeoutMax upper bound of the randomized election timeout
 * @param requestTimeout how long one write waits for its commit before it is reported unavailable
 * @param maxEntryBytes the largest encoded command; Ratis' gRPC message, appender buffer and
 *     log write buffer are sized from it so a maximum-size value fits through every hop
 * @param snapshotEvery applied entries between two snapshots (RocksDB checkpoints); the log is
 *     purged up to the latest snapshot
 * @param segmentBytes size of one Raft log segment file; only closed segments are purged
 */
public record RaftTuning(Duration electionTimeoutMin, Duration electionTimeoutMax, Duration requestTimeout,
    int maxEntryBytes, long snapshotEvery, long segmentBytes) {
  /** Room for the key, metadata, tags and envelope of a command beside its value. */
  public static final int ENTRY_OVERHEAD_BYTES = 64 << 10;

  public static RaftTuning defaults(int maxValueBytes) {
    return new RaftTuning(Duration.ofMillis(1000), Duration.ofMillis(2000), Duration.ofSeconds(3),
        maxValueBytes + ENTRY_OVERHEAD_BYTES, 100_000, 32L << 20);
  }

  public RaftTuning {
    if (electionTimeoutMin.toMillis() < 50) {
      throw new IllegalArgumentException("raft.electionTimeoutMin must be at least 50ms, was " + electionTimeoutMin);
    }
    if (electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
      throw new IllegalArgumentException("raft.electionTimeoutMax must exceed raft.electionTimeoutMin, was "
          + electionTimeoutMax);
    }
    if (maxEntryBytes < 64 << 10) {
      throw new IllegalArgumentException("raft.maxEntryBytes must be at least 64 KiB, was " + maxEntryBytes);
    }
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("raft.snapshotEvery must be at least 1, was " + snapshotEvery);
    }
    if (segmentBytes < 16 << 10) {
      throw new IllegalArgumentException("raft.segmentBytes must be at least 16 KiB, was " + segmentBytes);
    }
  }
}
