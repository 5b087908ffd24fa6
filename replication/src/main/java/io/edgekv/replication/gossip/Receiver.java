package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.ReplicationKeys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The receiving side of cross-region replication (the {@link Shipper}'s counterpart): batches,
 * anti-entropy digests and repairs from another region's nodes, merged through this region's
 * Raft group. The node's internal gRPC service checks the requests' shape and limits (shard,
 * sizes, region names) and hands them here.
 */
public final class Receiver {
  /** How long the answer to a replication batch waits for this node to apply it (for a fresh vector). */
  private static final long LOCAL_APPLY_WAIT_MILLIS = 1000;
  /** The most buckets a digest request may ask for. */
  public static final int MAX_BUCKETS = 4096;

  private final RegionReplica replica;
  private final Duration maxClockOffset;
  private final Runnable refusedSkew;
  private final UnaryOperator<List<Mutation>> intake;

  /**
   * @param maxClockOffset how far ahead of this node's clock a remote timestamp may be
   * @param refusedSkew called once per batch refused for a timestamp too far ahead (a metric)
   * @param intake applied to a batch's mutations before they are proposed: the identity, except
   *     for the chaos suite's deliberate {@code remote-restamp} bug
   */
  public Receiver(RegionReplica replica, Duration maxClockOffset, Runnable refusedSkew,
      UnaryOperator<List<Mutation>> intake) {
    this.replica = replica;
    this.maxClockOffset = maxClockOffset;
    this.refusedSkew = refusedSkew;
    this.intake = intake;
  }

  public Receiver(RegionReplica replica, Duration maxClockOffset, Runnable refusedSkew) {
    this(replica, maxClockOffset, refusedSkew, UnaryOperator.identity());
  }

  /**
   * A batch from another region: refused (in the answer, counted) when a timestamp is further
   * ahead of this node's clock than {@code maxClockOffset}; otherwise proposed through this
   * region's Raft group as one ApplyRemote command. The answer carries this region's version
   * vector (after this node applied the batch, or waited {@value #LOCAL_APPLY_WAIT_MILLIS} ms for
   * it) and the shard's leader.
   */
  public CompletableFuture<ReplicateResponse> replicate(int shard, ReplicateRequest request, Deadline deadline) {
    long limit = replica.clock().clock().millis() + maxClockOffset.toMillis();
    for (Mutation m : request.getMutationsList()) {
      if (HybridClock.physicalMillis(m.getVersion().getHlc()) > limit) {
        refusedSkew.run();
        return CompletableFuture.completedFuture(ReplicateResponse.newBuilder().setRegion(replica.region())
            .setRefused("timestamp " + m.getVersion().getHlc() + " from " + m.getOriginRegion()
                + " is more than " + maxClockOffset.toMillis() + " ms ahead of this node's clock")
            .putAllVersionVector(vector(shard)).build());
      }
    }
    CompletableFuture<Void> applied = request.getMutationsCount() == 0
        ? CompletableFuture.completedFuture(null)
        : replica.submit(shard, new Proposal("", 0, "", new Command.ApplyRemote(intake.apply(
                request.getMutationsList()))), deadline)
            .thenCompose(result -> replica.appliedIndex(shard).await(result.getApplied().getIndex(),
                Math.max(1, Math.min(LOCAL_APPLY_WAIT_MILLIS, deadline.remainingMillis())), TimeUnit.MILLISECONDS))
            .thenApply(ignored -> null);
    return applied.thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(replica.region())
        .putAllVersionVector(vector(shard)).setLeader(replica.leader(shard)).build());
  }

  /** This replica's anti-entropy digests of a shard, {@code buckets} clamped to 1..{@value #MAX_BUCKETS}. */
  public RangeDigestsResponse rangeDigests(int shard, long buckets) {
    int count = (int) Math.min(MAX_BUCKETS, Math.max(1, buckets));
    return RangeDigestsResponse.newBuilder()
        .addAllDigests(replica.read(shard, engine -> AntiEntropy.digests(engine, count)))
        .putAllVersionVector(vector(shard)).build();
  }

  /** Anti-entropy state from another region, merged through this region's Raft group. */
  public CompletableFuture<ReplicateResponse> repair(int shard, RepairRequest request, Deadline deadline) {
    return replica.submit(shard, new Proposal("", 0, "",
            new Command.Repair(request.getMutationsList(), request.getVersionVectorMap())), deadline)
        .thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(replica.region())
            .putAllVersionVector(vector(shard)).build());
  }

  private Map<String, Long> vector(int shard) {
    return replica.read(shard, ReplicationKeys::versionVector);
  }
}
