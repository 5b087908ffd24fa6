package io.edgekv.replication.raft;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.pipeline.Deadline;
import java.util.concurrent.CompletableFuture;

/**
 * What the receiving side of cross-region replication needs of this node's replica: to propose
 * through the region's log, and to wait until this replica applied an index. A Raft replica on a
 * real node ({@link RegionReplica}); a simulated PoP over a simulated durable log in the
 * deterministic simulation.
 */
public interface ReplicaLog extends ReplicaView {
  /** How long a write's reply waits at most for this replica to have applied the write itself. */
  long LOCAL_APPLY_WAIT_MILLIS = 500;

  /** Proposes through the shard's log; completes with the command's result once applied on the leader. */
  CompletableFuture<CommandResult> submit(int shard, Proposal proposal, Deadline deadline);

  /**
   * Completes with this replica's applied index of the shard once it is at least {@code index},
   * or after {@code timeoutMillis} with the lower index it reached.
   */
  CompletableFuture<Long> awaitApplied(int shard, long index, long timeoutMillis);

  /**
   * {@link #submit}, then, for an applied command, a bounded wait ({@link #LOCAL_APPLY_WAIT_MILLIS},
   * and the deadline) until this replica has applied it too, so that a read here that follows
   * sees it. Completes with the result either way.
   */
  default CompletableFuture<CommandResult> submitAndApplyLocally(int shard, Proposal proposal, Deadline deadline) {
    return submit(shard, proposal, deadline).thenCompose(result -> {
      if (result.getOutcomeCase() != CommandResult.OutcomeCase.APPLIED) {
        return CompletableFuture.completedFuture(result);
      }
      long wait = Math.max(1, Math.min(LOCAL_APPLY_WAIT_MILLIS, deadline.remainingMillis()));
      return awaitApplied(shard, result.getApplied().getIndex(), wait).thenApply(ignored -> result);
    });
  }

  /** The shard's leader as this replica knows it, or "" when it knows none. */
  String leader(int shard);
}
