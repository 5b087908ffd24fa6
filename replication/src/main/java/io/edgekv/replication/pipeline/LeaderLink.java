package io.edgekv.replication.pipeline;

import io.edgekv.internal.v1.ProposeResponse;
import java.util.concurrent.CompletableFuture;

/**
 * How a node that does not lead a shard hands a proposal to the node that does (the node's
 * internal service). Implementations never block and end the call at the deadline.
 */
public interface LeaderLink {
  CompletableFuture<ProposeResponse> propose(String leaderId, int shard, byte[] proposal, Deadline deadline);

  /**
   * Whether this link knows how to reach {@code nodeId}'s internal service (a node added at run
   * time is not in the static topology; the replica then reaches the leader through Raft).
   */
  default boolean reaches(String nodeId) {
    return true;
  }
}
