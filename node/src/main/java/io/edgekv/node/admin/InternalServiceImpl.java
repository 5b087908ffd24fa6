package io.edgekv.node.admin;

import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.node.api.Calls;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.ReplicationKeys;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Node-to-node calls, served on the internal port only. */
public final class InternalServiceImpl extends InternalServiceGrpc.InternalServiceImplBase {
  /** How long the answer to a replication batch waits for this node to apply it (for a fresh vector). */
  private static final long LOCAL_APPLY_WAIT_MILLIS = 1000;

  private final LocalStatus local;
  private final KeyTraces traces;
  private final RegionReplica replica;
  private final Duration maxClockOffset;
  private final Counter refusedSkew;

  public InternalServiceImpl(LocalStatus local, KeyTraces traces, RegionReplica replica, Duration maxClockOffset,
      Counter refusedSkew) {
    this.local = local;
    this.traces = traces;
    this.replica = replica;
    this.maxClockOffset = maxClockOffset;
    this.refusedSkew = refusedSkew;
  }

  @Override
  public void localStatus(LocalStatusRequest request, StreamObserver<NodeStatus> observer) {
    observer.onNext(local.get());
    observer.onCompleted();
  }

  @Override
  public void localTrace(TraceRequest request, StreamObserver<KeyTrace> observer) {
    Calls.blocking(observer, () -> traces.local(request));
  }

  /**
   * A batch from another region: refused when a timestamp is further ahead of this node's clock
   * than {@code replication.maxClockOffset} (counted); otherwise proposed through this region's
   * Raft group as one ApplyRemote command. The answer carries this region's version vector.
   */
  @Override
  public void replicate(ReplicateRequest request, StreamObserver<ReplicateResponse> observer) {
    Calls.unary(observer, () -> {
      int shard = (int) request.getShard();
      if (shard >= replica.shards()) {
        throw new io.edgekv.node.api.InvalidInputException("shard", String.valueOf(replica.shards() - 1),
            "shard " + shard + " does not exist here; every region must run the same number of shards");
      }
      long limit = replica.clock().clock().millis() + maxClockOffset.toMillis();
      for (Mutation m : request.getMutationsList()) {
        if (HybridClock.physicalMillis(m.getVersion().getHlc()) > limit) {
          refusedSkew.increment();
          return CompletableFuture.completedFuture(ReplicateResponse.newBuilder().setRegion(replica.region())
              .setRefused("timestamp " + m.getVersion().getHlc() + " from " + m.getOriginRegion()
                  + " is more than " + maxClockOffset.toMillis() + " ms ahead of this node's clock")
              .putAllVersionVector(vector(shard)).build());
        }
      }
      CompletableFuture<Void> applied = request.getMutationsCount() == 0
          ? CompletableFuture.completedFuture(null)
          : replica.submit(shard, new Proposal("", 0, "", new Command.ApplyRemote(request.getMutationsList())))
              .thenCompose(result -> replica.appliedIndex(shard).await(result.getApplied().getIndex())
                  .completeOnTimeout(0L, LOCAL_APPLY_WAIT_MILLIS, TimeUnit.MILLISECONDS))
              .thenApply(ignored -> null);
      return applied.thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(replica.region())
          .putAllVersionVector(vector(shard)).build());
    }, status -> {});
  }

  private java.util.Map<String, Long> vector(int shard) {
    return replica.read(shard, ReplicationKeys::versionVector);
  }
}
