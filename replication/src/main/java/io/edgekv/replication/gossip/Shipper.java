package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.ReplicaView;
import io.edgekv.replication.storage.ReplicationKeys;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.replication.storage.StorageException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Cross-region replication from this node, for the shards it leads (DESIGN.md section 7).
 *
 * <p>For every other region and shard it keeps that region's version vector as last learned, and
 * ships what the region lacks from the replication log — of every origin, not only this region,
 * so data relays around a cut link (A to B to C when A-C is down). Push: a run starts as soon as
 * something was applied locally. Gossip: at least every {@code gossipInterval} it sends its own
 * vector (with whatever is due), and the answer carries the peer's vector. The log lives in the
 * replicated state, so a new leader resumes from the vectors it learns; nothing is lost with a
 * leader. Batches are cut by count and bytes and pipelined: up to {@link #MAX_IN_FLIGHT} per
 * (region, shard), each starting where the previous one ended, so a write never waits for the
 * answer to an earlier batch (a WAN round trip). A batch the receiver could not apply in full (it
 * arrived before an earlier one) shows in the vector of its answer, and shipping resumes from
 * there.
 *
 * <p>What is shipped to a region: never the mutations that region originated (it has them all);
 * this region's own at once; a third region's only once they are {@code relayAfterMillis} old, so
 * relaying serves a cut or slow link instead of doubling every batch on healthy ones.
 *
 * <p>Thread-safe: the per-region state is touched only on the given single-threaded scheduler.
 */
public final class Shipper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  /** A region found behind the log's retention is repaired at most this often. */
  private static final long REPAIR_INTERVAL_MILLIS = 5_000;
  /** Batches in flight per (region, shard). */
  static final int MAX_IN_FLIGHT = 4;

  /** Tunables. {@code maxBatchBytes} must fit a Raft entry of the receiving region. */
  public record Settings(List<String> otherRegions, int maxBatchCount, int maxBatchBytes, long gossipIntervalMillis,
      long retryBackoffMillis, long relayAfterMillis) {}

  private final ReplicaView replica;
  private final RegionLink link;
  private final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Map<String, Peer> peers = new ConcurrentHashMap<>();
  private final AtomicBoolean runQueued = new AtomicBoolean();
  private volatile boolean closed;

  /** What this node knows of one (region, shard). Written on the scheduler thread only. */
  private static final class Peer {
    /** The region's vector from its latest answer; null until it first answered. */
    volatile Map<String, Long> vector;
    /** Per origin, the highest sequence sent in a batch not yet known to be applied. */
    final Map<String, Long> sent = new HashMap<>();
    int inFlight;
    volatile long lastSentMillis;
    volatile long backoffUntilMillis;
    volatile boolean needsRepair;
    volatile long oldestUnackedStampMillis;
    volatile long behindEntries;
    volatile CompletableFuture<?> repairing = CompletableFuture.completedFuture(null);
    volatile long lastRepairMillis;

    /** Where the next batch starts for {@code origin}: after what was applied or is on its way. */
    long shippedUpTo(String origin) {
      return Math.max(vector.getOrDefault(origin, 0L), sent.getOrDefault(origin, 0L));
    }
  }

  public Shipper(ReplicaView replica, RegionLink link, Settings settings, ScheduledExecutorService scheduler) {
    this.replica = replica;
    this.link = link;
    this.settings = settings;
    this.scheduler = scheduler;
    this.clock = replica.clock().clock();
  }

  public void start() {
    scheduler.scheduleWithFixedDelay(this::wake, settings.gossipIntervalMillis(), settings.gossipIntervalMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Asks for a shipping run soon (called after local applies); runs coalesce. */
  public void wake() {
    if (!closed && runQueued.compareAndSet(false, true)) {
      scheduler.execute(() -> {
        runQueued.set(false);
        runOnce();
      });
    }
  }

  private void runOnce() {
    if (settings.otherRegions().isEmpty()) {
      return;
    }
    try {
      for (GroupInfo group : replica.groups()) {
        if (!"LEADER".equals(group.role())) {
          continue;
        }
        for (String region : settings.otherRegions()) {
          ship(region, group.shard());
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("replication run failed on {}", replica.nodeId(), e);
    }
  }

  private void ship(String region, int shard) {
    Peer peer = peers.computeIfAbsent(region + "/" + shard, k -> new Peer());
    long now = clock.millis();
    if (peer.inFlight >= MAX_IN_FLIGHT || now < peer.backoffUntilMillis) {
      return;
    }
    Map<String, Long> mine = replica.read(shard, ReplicationKeys::versionVector);
    List<Mutation> batch = peer.vector == null ? List.of() : due(region, shard, mine, peer, now);
    if (peer.needsRepair && peer.repairing.isDone() && now - peer.lastRepairMillis >= REPAIR_INTERVAL_MILLIS) {
      peer.lastRepairMillis = now;
      peer.repairing = repair(region, shard);
    }
    // Gossip alone only when nothing is on its way: an answer brings the region's vector anyway.
    boolean gossipDue = peer.inFlight == 0 && now - peer.lastSentMillis >= settings.gossipIntervalMillis();
    if (batch.isEmpty() && !gossipDue) {
      return;
    }
    ReplicateRequest request = ReplicateRequest.newBuilder()
        .setFormat(1)
        .setFromRegion(replica.region())
        .setShard(shard)
        .addAllMutations(batch)
        .putAllVersionVector(mine)
        .build();
    Map<String, Long> last = new HashMap<>();
    for (Mutation m : batch) {
      last.merge(m.getOriginRegion(), m.getSeq(), Math::max);
      peer.sent.merge(m.getOriginRegion(), m.getSeq(), Math::max);
    }
    peer.lastSentMillis = now;
    peer.inFlight++;
    link.replicate(region, request).whenCompleteAsync((response, error) -> {
      peer.inFlight--;
      if (error != null || !response.getRefused().isEmpty()) {
        // Start again from what the region last confirmed.
        peer.sent.clear();
        peer.backoffUntilMillis = clock.millis() + settings.retryBackoffMillis();
        LOG.debug("replication to {} shard {} failed: {}", region, shard,
            error != null ? error.toString() : response.getRefused());
      } else {
        Map<String, Long> merged = new HashMap<>(peer.vector == null ? Map.of() : peer.vector);
        response.getVersionVectorMap().forEach((origin, seq) -> merged.merge(origin, seq, Math::max));
        peer.vector = Map.copyOf(merged);
        peer.backoffUntilMillis = 0;
        // A batch that was not applied in full arrived before an earlier one: resend from the gap.
        last.forEach((origin, seq) -> {
          if (merged.getOrDefault(origin, 0L) < seq) {
            peer.sent.remove(origin);
          }
        });
      }
      updateLag(shard, peer);
      if (error == null && (!batch.isEmpty() || peer.behindEntries > 0)) {
        wake();
      }
    }, scheduler);
  }

  /**
   * Anti-entropy toward one region: compares bucket digests and sends the state of the buckets
   * that differ (plus purge records), then this shard's version vector, which the sent state
   * dominates (the vector is read before the scan). Completes with the number of buckets sent.
   */
  public CompletableFuture<Integer> repair(String region, int shard) {
    int buckets = AntiEntropy.DEFAULT_BUCKETS;
    return link.rangeDigests(region, RangeDigestsRequest.newBuilder().setShard(shard).setBuckets(buckets).build())
        .thenCompose(theirs -> {
          Map<String, Long> vector = replica.read(shard, ReplicationKeys::versionVector);
          List<ByteString> mine = replica.read(shard, engine -> AntiEntropy.digests(engine, buckets));
          Set<Integer> differing = new HashSet<>();
          for (int i = 0; i < buckets; i++) {
            if (i >= theirs.getDigestsCount() || !mine.get(i).equals(theirs.getDigests(i))) {
              differing.add(i);
            }
          }
          if (differing.isEmpty()) {
            return CompletableFuture.completedFuture(0);
          }
          List<Mutation> state = replica.read(shard, engine -> AntiEntropy.state(engine, differing, buckets));
          CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
          List<List<Mutation>> batches = cut(state);
          for (int i = 0; i < batches.size(); i++) {
            RepairRequest.Builder request = RepairRequest.newBuilder().setFromRegion(replica.region()).setShard(shard)
                .addAllMutations(batches.get(i));
            if (i == batches.size() - 1) {
              request.putAllVersionVector(vector);
            }
            RepairRequest built = request.build();
            chain = chain.thenCompose(ignored -> link.repair(region, built));
          }
          LOG.info("anti-entropy from {} to {} shard {}: {} differing buckets, {} entries", replica.region(), region,
              shard, differing.size(), state.size());
          return chain.thenApply(ignored -> differing.size());
        })
        .whenComplete((sent, error) -> {
          if (error != null) {
            LOG.debug("anti-entropy to {} shard {} failed: {}", region, shard, error.toString());
          }
        });
  }

  private List<List<Mutation>> cut(List<Mutation> state) {
    List<List<Mutation>> out = new ArrayList<>();
    List<Mutation> current = new ArrayList<>();
    int bytes = 0;
    for (Mutation m : state) {
      if (!current.isEmpty() && (current.size() >= settings.maxBatchCount()
          || bytes + m.getSerializedSize() > settings.maxBatchBytes())) {
        out.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(m);
      bytes += m.getSerializedSize();
    }
    out.add(current);
    return out;
  }

  /**
   * What the region lacks and is not on its way yet, in per-origin order, cut by count and bytes:
   * nothing it originated, this region's mutations at once, a third region's once they are
   * {@code relayAfterMillis} old (by their origin's stamp).
   */
  private List<Mutation> due(String region, int shard, Map<String, Long> mine, Peer peer, long now) {
    List<Mutation> out = new ArrayList<>();
    int[] bytes = {0};
    boolean repair = false;
    long relayBefore = now - settings.relayAfterMillis();
    for (Map.Entry<String, Long> origin : mine.entrySet()) {
      if (origin.getKey().equals(region)) {
        continue;
      }
      boolean relayed = !origin.getKey().equals(replica.region());
      long theirs = peer.shippedUpTo(origin.getKey());
      if (theirs >= origin.getValue()) {
        continue;
      }
      long from = theirs + 1;
      byte[] start = ReplicationKeys.logKey(origin.getKey(), from);
      byte[] end = ReplicationKeys.logKey(origin.getKey(), Long.MAX_VALUE);
      boolean[] first = {true};
      replica.read(shard, engine -> {
        engine.replog.forEachFrom(start, (key, value) -> {
          if (Arrays.compareUnsigned(key, end) >= 0) {
            return false;
          }
          Mutation m = parse(value);
          if (first[0] && m.getSeq() != from) {
            return false;
          }
          if (relayed && HybridClock.physicalMillis(m.getStampedHlc()) > relayBefore) {
            first[0] = false;
            return false;
          }
          first[0] = false;
          if (!out.isEmpty() && (out.size() >= settings.maxBatchCount()
              || bytes[0] + m.getSerializedSize() > settings.maxBatchBytes())) {
            return false;
          }
          out.add(m);
          bytes[0] += m.getSerializedSize();
          return true;
        });
        return null;
      });
      if (first[0]) {
        // The log no longer holds what the peer needs next: only anti-entropy can bring it up.
        repair = true;
      }
      if (out.size() >= settings.maxBatchCount() || bytes[0] >= settings.maxBatchBytes()) {
        break;
      }
    }
    peer.needsRepair = repair;
    return out;
  }

  private void updateLag(int shard, Peer peer) {
    if (peer.vector == null) {
      return;
    }
    Map<String, Long> mine = replica.read(shard, ReplicationKeys::versionVector);
    long behind = 0;
    long oldest = 0;
    for (Map.Entry<String, Long> origin : mine.entrySet()) {
      long theirs = peer.vector.getOrDefault(origin.getKey(), 0L);
      if (theirs < origin.getValue()) {
        behind += origin.getValue() - theirs;
        byte[] next = replica.read(shard, engine -> engine.replog.get(ReplicationKeys.logKey(origin.getKey(), theirs + 1)));
        if (next != null) {
          long stamped = HybridClock.physicalMillis(parse(next).getStampedHlc());
          oldest = oldest == 0 ? stamped : Math.min(oldest, stamped);
        }
      }
    }
    peer.behindEntries = behind;
    peer.oldestUnackedStampMillis = oldest;
  }

  /**
   * The time before which every other region has applied every mutation this region holds for
   * {@code shard} (from the vectors last learned), or empty when some region's position is
   * unknown or behind the log's retention. With no other region, the current time.
   */
  public OptionalLong stableBeforeMillis(int shard) {
    long stable = clock.millis();
    Map<String, Long> mine = replica.read(shard, ReplicationKeys::versionVector);
    for (String region : settings.otherRegions()) {
      Peer peer = peers.get(region + "/" + shard);
      if (peer == null || peer.vector == null) {
        return OptionalLong.empty();
      }
      for (Map.Entry<String, Long> origin : mine.entrySet()) {
        long theirs = peer.vector.getOrDefault(origin.getKey(), 0L);
        if (theirs >= origin.getValue()) {
          continue;
        }
        byte[] next = replica.read(shard, engine -> engine.replog.get(ReplicationKeys.logKey(origin.getKey(), theirs + 1)));
        if (next == null) {
          return OptionalLong.empty();
        }
        stable = Math.min(stable, HybridClock.physicalMillis(parse(next).getStampedHlc()));
      }
    }
    return OptionalLong.of(stable);
  }

  /** Replication lag toward every other region, for the shards this node leads. */
  public List<LagReport> lag() {
    List<LagReport> out = new ArrayList<>();
    long now = clock.millis();
    Map<String, Peer> snapshot = new HashMap<>(peers);
    for (Map.Entry<String, Peer> e : snapshot.entrySet()) {
      String[] parts = e.getKey().split("/");
      Peer peer = e.getValue();
      long age = peer.oldestUnackedStampMillis == 0 ? 0 : Math.max(0, now - peer.oldestUnackedStampMillis);
      out.add(new LagReport(parts[0], Integer.parseInt(parts[1]), peer.behindEntries, age / 1000, age,
          peer.needsRepair));
    }
    out.sort(Comparator.comparing(LagReport::toRegion).thenComparing(LagReport::shard));
    return out;
  }

  private static Mutation parse(byte[] bytes) {
    try {
      return Mutation.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt replication log entry", e);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
