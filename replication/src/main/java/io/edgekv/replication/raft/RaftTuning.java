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
 */
public record RaftTuning(Duration electionTimeoutMin, Duration electionTimeoutMax, Duration requestTimeout,
    int maxEntryBytes) {
  public static final RaftTuning DEFAULT =
      new RaftTuning(Duration.ofMillis(1000), Duration.ofMillis(2000), Duration.ofSeconds(3), 2 << 20);

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
  }
}
