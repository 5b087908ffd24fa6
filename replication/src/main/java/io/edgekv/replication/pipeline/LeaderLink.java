package io.edgekv.replication.pipeline;

import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.internal.v1.ReadIndexResponse;
import java.util.concurrent.CompletableFuture;

/**
 * How a node reaches the other members of its shard groups (their internal service): a node that
 * does not lead a shard hands proposals and read-index requests to the node that does, and a
 * leader asks the members their term to confirm a read index. Implementations never block and
 * end the call at the deadline.
 */
public interface LeaderLink {
  CompletableFuture<ProposeResponse> propose(String leaderId, int shard, byte[] proposal, Deadline deadline);

  /** Asks {@code leaderId} for a confirmed read index of the shard ({@code not_leader} if it does not lead). */
  CompletableFuture<ReadIndexResponse> readIndex(String leaderId, int shard, Deadline deadline);

  /** {@code nodeId}'s current Raft term in the shard's group. */
  CompletableFuture<Long> term(String nodeId, int shard, Deadline deadline);

  /**
   * Whether this link knows how to reach {@code nodeId}'s internal service (a node added at run
   * time is not in the static topology; the replica then reaches the leader through Raft).
   */
  default boolean reaches(String nodeId) {
    return true;
  }
}
