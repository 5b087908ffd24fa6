package io.edgekv.node.admin;

import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ProposeRequest;
import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.internal.v1.ReadIndexRequest;
import io.edgekv.internal.v1.ReadIndexResponse;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ShardTermRequest;
import io.edgekv.internal.v1.ShardTermResponse;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.gossip.AntiEntropy;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.node.api.Calls;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.node.config.UnsafeSwitches;
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
  private final MutationValidator mutations;
  /** Chaos self-test bugs only (refused unless explicitly allowed): see {@link UnsafeSwitches}. */
  private final UnsafeSwitches unsafe = UnsafeSwitches.fromEnvironment();

  public InternalServiceImpl(LocalStatus local, KeyTraces traces, RegionReplica replica, Duration maxClockOffset,
      Counter refusedSkew, RequestValidator validator) {
    this.mutations = new MutationValidator(validator);
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

  /** This region's receipt of a purge, as this node has applied it (purge-status fan-out). */
  @Override
  public void localPurgeReceipt(io.edgekv.internal.v1.LocalPurgeReceiptRequest request,
      StreamObserver<io.edgekv.api.v1.RegionPurgeStatus> observer) {
    Calls.blocking(observer, () -> io.edgekv.node.watch.PurgeReceipts.local(replica, request.getPurgeId()));
  }

  @Override
  public void localTrace(TraceRequest request, StreamObserver<KeyTrace> observer) {
    Calls.blocking(observer, () -> traces.local(request));
  }

  /**
   * A batch from another region: {@code INVALID_ARGUMENT} when a mutation breaks a limit
   * ({@link MutationValidator}); refused when a timestamp is further ahead of this node's clock
   * than {@code replication.maxClockOffset} (counted); otherwise proposed through this region's
   * Raft group as one ApplyRemote command. The answer carries this region's version vector.
   */
  @Override
  public void replicate(ReplicateRequest request, StreamObserver<ReplicateResponse> observer) {
    Calls.unary(observer, () -> {
      int shard = checkShard(request.getShard());
      Deadline deadline = Calls.deadline();
      mutations.check(request.getMutationsList(), true);
      mutations.checkVector(request.getVersionVectorMap());
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
      java.util.List<Mutation> mutations = unsafe.on(UnsafeSwitches.Switch.REMOTE_RESTAMP)
          ? restamped(request.getMutationsList()) : request.getMutationsList();
      CompletableFuture<Void> applied = request.getMutationsCount() == 0
          ? CompletableFuture.completedFuture(null)
          : replica.submit(shard, new Proposal("", 0, "", new Command.ApplyRemote(mutations)), deadline)
              .thenCompose(result -> replica.appliedIndex(shard).await(result.getApplied().getIndex(),
                  Math.max(1, Math.min(LOCAL_APPLY_WAIT_MILLIS, deadline.remainingMillis())), TimeUnit.MILLISECONDS))
              .thenApply(ignored -> null);
      return applied.thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(replica.region())
          .putAllVersionVector(vector(shard)).setLeader(replica.leader(shard)).build());
    }, status -> {});
  }

  /** The {@code remote-restamp} self-test bug: puts and deletes take this node's clock as their version. */
  private java.util.List<Mutation> restamped(java.util.List<Mutation> in) {
    return in.stream().map(m -> switch (m.getKind()) {
      case MUTATION_PUT, MUTATION_DELETE ->
          m.toBuilder().setVersion(m.getVersion().toBuilder().setHlc(replica.clock().now())).build();
      default -> m;
    }).toList();
  }

  @Override
  public void rangeDigests(RangeDigestsRequest request, StreamObserver<RangeDigestsResponse> observer) {
    Calls.blocking(observer, () -> {
      int shard = checkShard(request.getShard());
      int buckets = (int) Math.min(4096, Math.max(1, request.getBuckets()));
      return RangeDigestsResponse.newBuilder()
          .addAllDigests(replica.read(shard, engine -> AntiEntropy.digests(engine, buckets)))
          .putAllVersionVector(vector(shard)).build();
    });
  }

  /** Anti-entropy state from another region, merged through this region's Raft group. */
  @Override
  public void repair(RepairRequest request, StreamObserver<ReplicateResponse> observer) {
    Calls.unary(observer, () -> {
      int shard = checkShard(request.getShard());
      mutations.check(request.getMutationsList(), false);
      mutations.checkVector(request.getVersionVectorMap());
      return replica.submit(shard, new Proposal("", 0, "",
              new Command.Repair(request.getMutationsList(), request.getVersionVectorMap())), Calls.deadline())
          .thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(replica.region())
              .putAllVersionVector(vector(shard)).build());
    }, status -> {});
  }

  /**
   * A write proposal another node of this region forwarded because it believes this node leads
   * the shard: proposed here (admission control and deadline included), or answered not_leader.
   */
  @Override
  public void propose(ProposeRequest request, StreamObserver<ProposeResponse> observer) {
    Calls.unary(observer, () -> replica.proposeHere(checkShard(request.getShard()),
        request.getProposal().toByteArray(), Calls.deadline()), status -> {});
  }

  @Override
  public void readIndex(ReadIndexRequest request, StreamObserver<ReadIndexResponse> observer) {
    Calls.unary(observer, () -> replica.readIndexHere(checkShard(request.getShard()), Calls.deadline()), status -> {});
  }

  @Override
  public void shardTerm(ShardTermRequest request, StreamObserver<ShardTermResponse> observer) {
    Calls.unary(observer, () -> CompletableFuture.completedFuture(ShardTermResponse.newBuilder().setFormat(1)
        .setTerm(replica.term(checkShard(request.getShard()))).build()), status -> {});
  }

  private int checkShard(long shard) {
    if (shard >= replica.shards()) {
      throw new io.edgekv.node.api.InvalidInputException("shard", String.valueOf(replica.shards() - 1),
          "shard " + shard + " does not exist here; every region must run the same number of shards");
    }
    return (int) shard;
  }

  private java.util.Map<String, Long> vector(int shard) {
    return replica.read(shard, ReplicationKeys::versionVector);
  }
}
