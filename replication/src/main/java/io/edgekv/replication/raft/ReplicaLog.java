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
  /** Proposes through the shard's log; completes with the command's result once applied on the leader. */
  CompletableFuture<CommandResult> submit(int shard, Proposal proposal, Deadline deadline);

  /**
   * Completes with this replica's applied index of the shard once it is at least {@code index},
   * or after {@code timeoutMillis} with the lower index it reached.
   */
  CompletableFuture<Long> awaitApplied(int shard, long index, long timeoutMillis);

  /** The shard's leader as this replica knows it, or "" when it knows none. */
  String leader(int shard);
}
