package io.edgekv.replication.pipeline;

import java.time.Duration;

/**
 * Bounds of one shard's request pipeline on one node.
 *
 * @param maxPendingProposals proposals admitted and not yet answered (including forwarded ones)
 * @param maxPendingBytes encoded bytes of those proposals
 * @param maxPendingReads linearizable read barriers not yet answered
 * @param retryAfter the delay a refused caller is told to wait (gRPC {@code RetryInfo})
 * @param defaultTimeout the deadline of a request that carries none
 * @param maxBatchBytes encoded proposals in one group-commit entry at most (one larger than this
 *     goes alone): room for what the leader stamps on each within the Raft entry limit
 */
public record PipelineLimits(int maxPendingProposals, long maxPendingBytes, int maxPendingReads, Duration retryAfter,
    Duration defaultTimeout, long maxBatchBytes) {
  public PipelineLimits {
    if (maxPendingProposals < 1 || maxPendingBytes < 1 || maxPendingReads < 1 || maxBatchBytes < 1) {
      throw new IllegalArgumentException("pipeline limits must be positive: " + maxPendingProposals + ", "
          + maxPendingBytes + ", " + maxPendingReads + ", " + maxBatchBytes);
    }
  }

  /** The limits without a group-commit byte bound of their own: a batch holds at most {@code maxPendingBytes}. */
  public PipelineLimits(int maxPendingProposals, long maxPendingBytes, int maxPendingReads, Duration retryAfter,
      Duration defaultTimeout) {
    this(maxPendingProposals, maxPendingBytes, maxPendingReads, retryAfter, defaultTimeout, maxPendingBytes);
  }

  /**
   * Defaults for values up to {@code maxValueBytes} on a heap of {@code heapBytes}: proposals in
   * flight per shard take at most an eighth of the heap (and at most 64 MiB), but always room
   * for two maximum-size values.
   */
  public static PipelineLimits defaults(int maxValueBytes, long heapBytes, Duration defaultTimeout) {
    long bytes = Math.max(2L * maxValueBytes, Math.min(64L << 20, heapBytes / 8));
    // A batch of proposals up to one maximum value in size, plus at most 256 stamps (well under
    // 100 B each), stays within the Raft entry limit (the value plus 64 KiB).
    return new PipelineLimits(1024, bytes, 4096, Duration.ofMillis(200), defaultTimeout, maxValueBytes);
  }
}
