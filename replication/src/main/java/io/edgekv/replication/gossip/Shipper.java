package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.RegionReplica;
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

/**
 * Cross-region replication from this node, for the shards it leads (DESIGN.md section 7).
 *
 * <p>For every other region and shard it keeps that region's version vector as last learned, and
 * ships what the region lacks from the replication log — of every origin, not only this region,
 * so data relays around a cut link (A to B to C when A-C is down). Push: a run starts as soon as
 * something was applied locally. Gossip: at least every {@code gossipInterval} it sends its own
 * vector (with whatever is due), and the answer carries the peer's vector. The log lives in the
 * replicated state, so a new leader resumes from the vectors it learns; nothing is lost with a
 * leader. One batch in flight per (region, shard); batches are cut by count and bytes.
 *
 * <p>Thread-safe: runs on the given single-threaded scheduler.
 */
public final class Shipper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);

  /** Tunables. {@code maxBatchBytes} must fit a Raft entry of the receiving region. */
  public record Settings(List<String> otherRegions, int maxBatchCount, int maxBatchBytes, long gossipIntervalMillis,
      long retryBackoffMillis) {}

  private final RegionReplica replica;
  private final RegionLink link;
  private final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Map<String, Peer> peers = new ConcurrentHashMap<>();
  private final AtomicBoolean runQueued = new AtomicBoolean();
  private volatile boolean closed;

  /** What this node knows of one (region, shard). */
  private static final class Peer {
    volatile Map<String, Long> vector;
    volatile CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);
    volatile long lastSentMillis;
    volatile long backoffUntilMillis;
    volatile boolean needsRepair;
    volatile long oldestUnackedStampMillis;
    volatile long behindEntries;
  }

  public Shipper(RegionReplica replica, RegionLink link, Settings settings, ScheduledExecutorService scheduler) {
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
    if (!peer.inFlight.isDone() || now < peer.backoffUntilMillis) {
      return;
    }
    Map<String, Long> mine = replica.read(shard, ReplicationKeys::versionVector);
    List<Mutation> batch = peer.vector == null ? List.of() : due(shard, mine, peer);
    boolean gossipDue = now - peer.lastSentMillis >= settings.gossipIntervalMillis();
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
    peer.lastSentMillis = now;
    CompletableFuture<ReplicateResponse> sent = link.replicate(region, request);
    peer.inFlight = sent;
    sent.whenComplete((response, error) -> {
      if (error != null || !response.getRefused().isEmpty()) {
        peer.backoffUntilMillis = clock.millis() + settings.retryBackoffMillis();
        LOG.debug("replication to {} shard {} failed: {}", region, shard,
            error != null ? error.toString() : response.getRefused());
      } else {
        peer.vector = Map.copyOf(response.getVersionVectorMap());
        peer.backoffUntilMillis = 0;
      }
      updateLag(shard, peer);
      if (error == null && (!batch.isEmpty() || peer.behindEntries > 0)) {
        wake();
      }
    });
  }

  /** What the peer lacks, in per-origin order, cut by count and bytes (at least one mutation). */
  private List<Mutation> due(int shard, Map<String, Long> mine, Peer peer) {
    List<Mutation> out = new ArrayList<>();
    int[] bytes = {0};
    boolean repair = false;
    for (Map.Entry<String, Long> origin : mine.entrySet()) {
      long theirs = peer.vector.getOrDefault(origin.getKey(), 0L);
      if (theirs >= origin.getValue()) {
        continue;
      }
      long from = theirs + 1;
      byte[] start = ReplicationKeys.logKey(origin.getKey(), from);
      byte[] end = ReplicationKeys.logKey(origin.getKey(), Long.MAX_VALUE);
      boolean[] first = {true};
      replica.read(shard, engine -> {
        engine.replog.forEachFrom(start, (key, value) -> {
          if (java.util.Arrays.compareUnsigned(key, end) >= 0) {
            return false;
          }
          Mutation m = parse(value);
          if (first[0] && m.getSeq() != from) {
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
    out.sort(java.util.Comparator.comparing(LagReport::toRegion).thenComparing(LagReport::shard));
    return out;
  }

  private static Mutation parse(byte[] bytes) {
    try {
      return Mutation.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new io.edgekv.replication.storage.StorageException("corrupt replication log entry", e);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
