package io.edgekv.node.admin;

import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.RegionPurgeStatus;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalPurgeReceiptRequest;
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
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.invalidation.watch.ChangelogSource;
import io.edgekv.invalidation.watch.PurgeReceipts;
import io.edgekv.node.api.Calls;
import io.edgekv.node.api.InvalidInputException;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.replication.gossip.Receiver;
import io.edgekv.replication.gossip.Watermarks;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.RegionReplica;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Node-to-node calls, served on the internal port only: the gRPC face of cross-region
 * replication's {@link Receiver} (requests checked against the limits first), forwarded
 * proposals and read-index requests, this node's term for a leader confirming a read index, and
 * the local status, trace and purge receipt other nodes fan out for.
 */
public final class InternalServiceImpl extends InternalServiceGrpc.InternalServiceImplBase {
  private final LocalStatus local;
  private final KeyTraces traces;
  private final RegionReplica replica;
  private final ChangelogSource changelog;
  private final Receiver receiver;
  private final MutationValidator mutations;
  /** Chaos self-test bugs only (refused unless explicitly allowed): see {@link UnsafeSwitches}. */
  private final UnsafeSwitches unsafe;

  public InternalServiceImpl(LocalStatus local, KeyTraces traces, RegionReplica replica, ChangelogSource changelog,
      Duration maxClockOffset, Counter refusedSkew, RequestValidator validator, UnsafeSwitches unsafe,
      Watermarks watermarks) {
    this.unsafe = unsafe;
    this.mutations = new MutationValidator(validator);
    this.local = local;
    this.traces = traces;
    this.replica = replica;
    this.changelog = changelog;
    this.receiver = new Receiver(replica, maxClockOffset, refusedSkew::increment,
        unsafe.on(UnsafeSwitches.Switch.REMOTE_RESTAMP) ? this::restamped : UnaryOperator.identity(), watermarks);
  }

  @Override
  public void localStatus(LocalStatusRequest request, StreamObserver<NodeStatus> observer) {
    observer.onNext(local.get());
    observer.onCompleted();
  }

  /** This region's receipt of a purge, as this node has applied it (purge-status fan-out). */
  @Override
  public void localPurgeReceipt(LocalPurgeReceiptRequest request, StreamObserver<RegionPurgeStatus> observer) {
    Calls.blocking(observer, () -> PurgeReceipts.local(changelog, request.getPurgeId(), HybridClock::physicalMillis));
  }

  @Override
  public void localTrace(TraceRequest request, StreamObserver<KeyTrace> observer) {
    Calls.blocking(observer, () -> traces.local(request));
  }

  /**
   * A batch from another region: {@code INVALID_ARGUMENT} when a mutation breaks a limit
   * ({@link MutationValidator}); otherwise merged by cross-region replication's {@link Receiver}.
   */
  @Override
  public void replicate(ReplicateRequest request, StreamObserver<ReplicateResponse> observer) {
    Calls.unary(observer, () -> {
      int shard = checkShard(request.getShard());
      mutations.check(request.getMutationsList(), true);
      mutations.checkVector(request.getVersionVectorMap());
      mutations.checkVector(request.getRelayOffersMap(), "relay_offers");
      return receiver.replicate(shard, request, Calls.deadline());
    }, status -> {});
  }

  /** The {@code remote-restamp} self-test bug: puts and deletes take this node's clock as their version. */
  private List<Mutation> restamped(List<Mutation> in) {
    return in.stream().map(m -> switch (m.getKind()) {
      case MUTATION_PUT, MUTATION_DELETE ->
          m.toBuilder().setVersion(m.getVersion().toBuilder().setHlc(replica.clock().now())).build();
      default -> m;
    }).toList();
  }

  @Override
  public void rangeDigests(RangeDigestsRequest request, StreamObserver<RangeDigestsResponse> observer) {
    Calls.blocking(observer, () -> receiver.rangeDigests(checkShard(request.getShard()), request.getBuckets()));
  }

  /** Anti-entropy state from another region, merged through this region's Raft group. */
  @Override
  public void repair(RepairRequest request, StreamObserver<ReplicateResponse> observer) {
    Calls.unary(observer, () -> {
      int shard = checkShard(request.getShard());
      mutations.check(request.getMutationsList(), false);
      mutations.checkVector(request.getVersionVectorMap());
      return receiver.repair(shard, request, Calls.deadline());
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

  /** A read index asked by a node that believes this one leads the shard (answered not_leader otherwise). */
  @Override
  public void readIndex(ReadIndexRequest request, StreamObserver<ReadIndexResponse> observer) {
    Calls.unary(observer, () -> replica.readIndexHere(checkShard(request.getShard()), Calls.deadline()), status -> {});
  }

  /** This node's current term in the shard's group, for a leader confirming a read index. */
  @Override
  public void shardTerm(ShardTermRequest request, StreamObserver<ShardTermResponse> observer) {
    Calls.unary(observer, () -> CompletableFuture.completedFuture(ShardTermResponse.newBuilder().setFormat(1)
        .setTerm(replica.term(checkShard(request.getShard()))).build()), status -> {});
  }

  private int checkShard(long shard) {
    if (shard >= replica.shards()) {
      throw new InvalidInputException("shard", String.valueOf(replica.shards() - 1),
          "shard " + shard + " does not exist here; every region must run the same number of shards");
    }
    return (int) shard;
  }

}
