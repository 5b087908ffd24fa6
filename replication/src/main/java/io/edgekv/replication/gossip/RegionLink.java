package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import java.util.concurrent.CompletableFuture;

/** Calls to some node of another region (the node supplies the transport). */
public interface RegionLink {
  CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request);

  CompletableFuture<RangeDigestsResponse> rangeDigests(String region, RangeDigestsRequest request);

  CompletableFuture<ReplicateResponse> repair(String region, RepairRequest request);
}
