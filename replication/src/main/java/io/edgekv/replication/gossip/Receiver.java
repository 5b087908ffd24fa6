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
import io.edgekv.replication.raft.ReplicaLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The receiving side of cross-region replication (the {@link Shipper}'s counterpart): batches,
 * anti-entropy digests and repairs from another region's nodes, merged through this region's
 * Raft group. The node's internal gRPC service checks the requests' shape and limits (shard,
 * sizes, region names) and hands them here.
 */
public final class Receiver {
  /** The most buckets a digest request may ask for. */
  public static final int MAX_BUCKETS = 4096;
  /**
   * An origin region not heard from directly for this long is reported stale in answers, so that
   * other regions relay its mutations here: three of the shipper's idle heartbeats
   * ({@link Shipper#HEARTBEAT_MILLIS}) missed.
   */
  public static final long STALE_AFTER_MILLIS = 3 * Shipper.HEARTBEAT_MILLIS;

  private final ReplicaLog replica;
  private final Duration maxClockOffset;
  private final Runnable refusedSkew;
  private final UnaryOperator<List<Mutation>> intake;
  private final Watermarks watermarks;
  /** When a request last came straight from each region (wall-clock millis of this node). */
  private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
  /** When this node was first called by another region (-1: not yet). */
  private volatile long firstCalledMillis = -1;
  /** When this node was last called by any other region. */
  private volatile long lastCalledMillis = -1;
  /**
   * When calls resumed after a silence of more than {@link #SILENCE_MILLIS} (this node was cut
   * off from every region, or down): every origin counts as heard then, since none could reach it.
   */
  private volatile long resumedMillis = -1;
  /** No call from any region for this long: this node was unreachable, not one origin's link. */
  static final long SILENCE_MILLIS = 2 * Shipper.HEARTBEAT_MILLIS;

  /**
   * @param maxClockOffset how far ahead of this node's clock a remote timestamp may be
   * @param refusedSkew called once per batch refused for a timestamp too far ahead (a metric)
   * @param intake applied to a batch's mutations before they are proposed: the identity, except
   *     for the chaos suite's deliberate {@code remote-restamp} bug
   * @param watermarks this node's applied watermarks: takes the claims requests carry, answers
   *     with the watermark when asked (shared with the node's {@link Shipper})
   */
  public Receiver(ReplicaLog replica, Duration maxClockOffset, Runnable refusedSkew,
      UnaryOperator<List<Mutation>> intake, Watermarks watermarks) {
    this.replica = replica;
    this.maxClockOffset = maxClockOffset;
    this.refusedSkew = refusedSkew;
    this.intake = intake;
    this.watermarks = watermarks;
  }

  /**
   * A batch from another region: refused (in the answer, counted) when a timestamp is further
   * ahead of this node's clock than {@code maxClockOffset}; otherwise proposed through this
   * region's Raft group as one ApplyRemote command. The answer carries (after this node applied
   * the batch, or waited {@value ReplicaLog#LOCAL_APPLY_WAIT_MILLIS} ms for it) the part of this region's
   * version vector the sender needs: all of it when asked, else the sender's region, the batch's
   * origins and the stale origins (not heard from directly for {@value #STALE_AFTER_MILLIS} ms),
   * which are listed too; the shard's leader, when it is not the answering node; and this
   * replica's applied watermark when asked. A claim the request carries is recorded.
   */
  public CompletableFuture<ReplicateResponse> replicate(int shard, ReplicateRequest request, Deadline deadline) {
    long now = replica.clock().clock().millis();
    lastHeard.put(request.getFromRegion(), now);
    if (firstCalledMillis < 0) {
      firstCalledMillis = now;
    } else if (now - lastCalledMillis > SILENCE_MILLIS) {
      resumedMillis = now;
    }
    lastCalledMillis = Math.max(lastCalledMillis, now);
    if (request.getClosedHlc() > 0) {
      watermarks.claimed(shard, request.getFromRegion(), request.getClosedSeq(), request.getClosedHlc());
    }
    long limit = now + maxClockOffset.toMillis();
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
        : replica.submitAndApplyLocally(shard, Proposal.unkeyed(new Command.ApplyRemote(intake.apply(
                request.getMutationsList()))), deadline)
            .thenApply(ignored -> null);
    return applied.thenApply(ignored -> answer(shard, request));
  }

  private ReplicateResponse answer(int shard, ReplicateRequest request) {
    Map<String, Long> all = vector(shard);
    ReplicateResponse.Builder answer = ReplicateResponse.newBuilder().setRegion(replica.region());
    long staleBefore = replica.clock().clock().millis() - STALE_AFTER_MILLIS;
    // An origin never heard from is stale only twice the delay after the first call this node got:
    // a node that just became the one other regions call (a new leader) has not missed anyone yet.
    // Nor is any origin stale sooner than that after this node was unreachable from every region.
    List<String> stale = new ArrayList<>();
    for (String origin : all.keySet()) {
      if (!origin.equals(replica.region())
          && Math.max(lastHeard.getOrDefault(origin, firstCalledMillis + STALE_AFTER_MILLIS), resumedMillis)
              < staleBefore) {
        stale.add(origin);
      }
    }
    stale.sort(null);
    answer.addAllStaleOrigins(stale);
    if (request.getFullVector()) {
      answer.putAllVersionVector(all);
    } else {
      Set<String> wanted = new HashSet<>(stale);
      wanted.add(request.getFromRegion());
      request.getMutationsList().forEach(m -> wanted.add(m.getOriginRegion()));
      for (String origin : wanted) {
        Long seq = all.get(origin);
        if (seq != null) {
          answer.putVersionVector(origin, seq);
        }
      }
    }
    String leader = replica.leader(shard);
    if (!leader.equals(replica.nodeId())) {
      answer.setLeader(leader);
    }
    if (request.getWantWatermark()) {
      answer.setAppliedWatermark(watermarks.watermark(shard));
    }
    return answer.build();
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
    Command repair = new Command.Repair(request.getMutationsList(), request.getVersionVectorMap());
    return replica.submit(shard, Proposal.unkeyed(repair), deadline)
        .thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(replica.region())
            .putAllVersionVector(vector(shard)).build());
  }

  private Map<String, Long> vector(int shard) {
    return replica.versionVector(shard);
  }
}
