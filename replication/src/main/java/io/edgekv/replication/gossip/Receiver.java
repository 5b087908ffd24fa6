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
import java.util.HashMap;
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
   * A region is granted a relay only once it has called this node for this long without a
   * silence: after a partition heals, the origin itself comes back within its back-off
   * ({@link Shipper#MAX_BACKOFF_MILLIS}), and a relay in that window would send its backlog twice.
   */
  public static final long RELAY_LINK_MILLIS = Shipper.MAX_BACKOFF_MILLIS + 1_000;
  /**
   * A relay grant holds this long after it was last given or last brought this node's vector on;
   * then another region that offers the origin may take it over (the holder's relays got lost).
   */
  public static final long RELAY_HOLD_MILLIS = Shipper.HEARTBEAT_MILLIS;
  /** Since when each region has called this node without a silence (wall-clock millis of this node). */
  private final Map<String, Long> callingSince = new ConcurrentHashMap<>();
  /** Per shard, per stale origin: the region granted its relay. */
  private final Map<Integer, Map<String, Grant>> grants = new ConcurrentHashMap<>();

  /** One origin's relay, granted to one region. */
  private static final class Grant {
    final String region;
    long toldMillis;
    long seq;
    long progressMillis;

    Grant(String region, long now, long seq) {
      this.region = region;
      this.toldMillis = now;
      this.seq = seq;
      this.progressMillis = now;
    }
  }

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
    Long previous = lastHeard.put(request.getFromRegion(), now);
    if (previous == null || now - previous > SILENCE_MILLIS) {
      callingSince.put(request.getFromRegion(), now);
    }
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
    answer.addAllRelayGrants(grant(shard, request, all, stale));
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

  /**
   * The stale origins the sender is to relay here. One region at a time relays an origin: the
   * first that offers it (holds more of it than this replica applied) after calling for
   * {@value #RELAY_LINK_MILLIS} ms, for as long as it keeps offering and either was told within
   * {@value #RELAY_HOLD_MILLIS} ms or brought the vector on; a holder that stops offering (it
   * delivered what it had) gives the grant up. Relays chosen by the senders, each from its own
   * view of the destination, sent the same backlog several times (docs/simulation.md).
   */
  private List<String> grant(int shard, ReplicateRequest request, Map<String, Long> vector, List<String> stale) {
    Map<String, Grant> byOrigin = grants.computeIfAbsent(shard, s -> new HashMap<>());
    long now = replica.clock().clock().millis();
    String from = request.getFromRegion();
    boolean linked = now - callingSince.getOrDefault(from, now) >= RELAY_LINK_MILLIS;
    List<String> granted = new ArrayList<>();
    synchronized (byOrigin) {
      byOrigin.keySet().retainAll(stale);
      for (String origin : stale) {
        long seq = vector.getOrDefault(origin, 0L);
        boolean offered = request.getRelayOffersOrDefault(origin, 0L) > seq;
        Grant grant = byOrigin.get(origin);
        if (grant != null && seq > grant.seq) {
          grant.seq = seq;
          grant.progressMillis = now;
        }
        boolean held = grant != null && now - Math.max(grant.toldMillis, grant.progressMillis) < RELAY_HOLD_MILLIS;
        if (held && grant.region.equals(from)) {
          if (offered) {
            grant.toldMillis = now;
            granted.add(origin);
          } else {
            byOrigin.remove(origin);
          }
        } else if (!held && offered && linked) {
          byOrigin.put(origin, new Grant(from, now, seq));
          granted.add(origin);
        }
      }
    }
    return granted;
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
