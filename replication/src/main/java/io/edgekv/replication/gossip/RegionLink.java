package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import java.util.concurrent.CompletableFuture;

/** Sends a replication batch to some node of another region (the node supplies the transport). */
@FunctionalInterface
public interface RegionLink {
  CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request);
}
