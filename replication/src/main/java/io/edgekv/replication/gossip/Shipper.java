package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
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
 * ships what the region lacks from the replication log, in per-origin order. Push: a run starts
 * as soon as something was applied locally. Batches are cut by count and bytes and pipelined: up
 * to {@link #MAX_IN_FLIGHT} per (region, shard), each starting where the previous one ended, so a
 * write never waits for the answer to an earlier batch (a WAN round trip). A batch the receiver
 * could not apply in full (it arrived before an earlier one) shows in the vector of its answer,
 * and shipping resumes from there. The log lives in the replicated state, so a new leader resumes
 * from the vectors it learns; nothing is lost with a leader.
 *
 * <p>Built for hundreds of regions' worth of PoPs (docs/simulation.md measured the cost), as
 * docs/replication.md details: requests carry no vector and answers only the part the sender
 * needs (the whole vector on first contact and every {@value #FULL_VECTOR_MILLIS} ms); idle
 * regions get a heartbeat every {@value #HEARTBEAT_MILLIS} ms; after a failed call only empty
 * probes go, backing off up to {@value #MAX_BACKOFF_MILLIS} ms. Relay: a third region's mutations
 * go only where the destination granted this node their relay after its offer, one region per
 * origin at a time ({@link Receiver}); anti-entropy is staggered by {@link RepairRanks}.
 *
 * <p>Thread-safe: the per-region state is touched only on the given single-threaded scheduler.
 */
public final class Shipper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  /** A region found behind the log's retention is repaired at most this often. */
  private static final long REPAIR_INTERVAL_MILLIS = 5_000;
  /** Batches in flight per (region, shard). */
  static final int MAX_IN_FLIGHT = 4;
  /** A region sent nothing for this long gets an empty request: this one is alive ({@link Receiver#STALE_AFTER_MILLIS}). */
  public static final long HEARTBEAT_MILLIS = 5_000;
  /** How often the whole vector of each region is asked for (tombstone collection and lag need all of it). */
  static final long FULL_VECTOR_MILLIS = 60_000;
  /** The longest back-off after failed calls (it doubles from {@code retryBackoffMillis}). */
  static final long MAX_BACKOFF_MILLIS = 5_000;
  /** How long a relay grant is acted on: half the time the granting region holds it ({@link Receiver#RELAY_HOLD_MILLIS}). */
  static final long RELAY_GRANT_USE_MILLIS = Receiver.RELAY_HOLD_MILLIS / 2;

  /** Tunables. {@code maxBatchBytes} must fit a Raft entry of the receiving region. */
  public record Settings(List<String> otherRegions, int maxBatchCount, int maxBatchBytes, long gossipIntervalMillis,
      long retryBackoffMillis, long relayAfterMillis) {}

  private final ReplicaView replica;
  private final RegionLink link;
  private final Settings settings;
  private final Watermarks watermarks;
  private final RepairRanks ranks;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Map<String, Peer> peers = new ConcurrentHashMap<>();
  /** The same peers per shard, in the order of {@code otherRegions}: a run looks them up without building keys. */
  private final Map<Integer, Peer[]> peersByShard = new ConcurrentHashMap<>();
  private final AtomicBoolean runQueued = new AtomicBoolean();
  private volatile boolean closed;

  /** What this node knows of one (region, shard). Written on the scheduler thread only. */
  private static final class Peer {
    /** The region's vector from its latest answer; null until it first answered. */
    volatile Map<String, Long> vector;
    /** Per origin, the highest sequence sent in a batch not yet known to be applied. */
    final Map<String, Long> sent = new HashMap<>();
    int inFlight;
    /**
     * Counts restarts of shipping (from a gap or a failure). A gap in the answer to a batch sent
     * before the latest restart is not a new one: what it lacks is already being sent again.
     */
    int epoch;
    volatile long lastSentMillis;
    volatile long backoffUntilMillis;
    /** Failed calls in a row; while above 0 only empty probes are sent, no mutations. */
    int failures;
    long lastFullVectorMillis;
    /** Origins the region last said it has not heard from directly: their mutations are relayed to it. */
    volatile Set<String> staleOrigins = Set.of();
    /** The same origins, in the order the answer listed them (sorted): offers go in a fixed order. */
    volatile List<String> staleOriginsInOrder = List.of();
    /** Stale origins the region's latest answer asked this node to relay, and when that answer came. */
    volatile List<String> relayGrants = List.of();
    long relayGrantedMillis;
    /** When a request last carried relay offers. */
    long lastOfferMillis;
    /** Since when the region has needed anti-entropy from this node's view (0: it does not). */
    long needsRepairSince;
    /** Per relayed origin: the next sequence to relay and when it is old enough to go. */
    final Map<String, long[]> relayWait = new HashMap<>();
    /** Per origin: the sequence the region was last known to have and the stamp of the one after it. */
    final Map<String, long[]> nextStamps = new ConcurrentHashMap<>();
    volatile boolean needsRepair;
    volatile long oldestUnackedStampMillis;
    volatile long behindEntries;
    volatile CompletableFuture<?> repairing = CompletableFuture.completedFuture(null);
    volatile long lastRepairMillis;
    /** The highest applied watermark the region reported (0: none yet); see {@link Watermarks}. */
    volatile long watermark;
    long lastWatermarkAskMillis;

    /** Where the next batch starts for {@code origin}: after what was applied or is on its way. */
    long shippedUpTo(String origin) {
      return Math.max(vector.getOrDefault(origin, 0L), sent.getOrDefault(origin, 0L));
    }
  }

  /** @param watermarks this node's applied watermarks (shared with its {@link Receiver}) */
  public Shipper(ReplicaView replica, RegionLink link, Settings settings, Watermarks watermarks,
      ScheduledExecutorService scheduler) {
    this.replica = replica;
    this.link = link;
    this.settings = settings;
    this.watermarks = watermarks;
    this.ranks = new RepairRanks(replica.region(), settings.otherRegions());
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
        if (!group.isLeader()) {
          continue;
        }
        // One read of this shard's vector for the whole run: it is the same for every region.
        Map<String, Long> mine = replica.versionVector(group.shard());
        List<String> others = settings.otherRegions();
        Peer[] row = peersByShard.computeIfAbsent(group.shard(), s -> new Peer[others.size()]);
        for (int i = 0; i < others.size(); i++) {
          String region = others.get(i);
          if (row[i] == null) {
            row[i] = peers.computeIfAbsent(region + "/" + group.shard(), k -> new Peer());
          }
          ship(region, group.shard(), mine, row[i]);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("replication run failed on {}", replica.nodeId(), e);
    }
  }

  private void ship(String region, int shard, Map<String, Long> mine, Peer peer) {
    long now = clock.millis();
    if (peer.inFlight >= MAX_IN_FLIGHT || now < peer.backoffUntilMillis) {
      return;
    }
    // After a failed call only an empty probe goes, until the region answers again: a partitioned
    // region is not sent the same batches over and over.
    boolean probing = peer.failures > 0;
    Map<String, Long> offers = new HashMap<>(); // what this node could relay of the region's stale origins
    boolean unrelayable = peer.vector != null && !probing && offers(region, shard, mine, peer, offers);
    List<Mutation> batch = peer.vector == null || probing ? List.of() : due(region, shard, mine, peer, now, unrelayable);
    if (peer.needsRepair && peer.repairing.isDone() && now - peer.lastRepairMillis >= REPAIR_INTERVAL_MILLIS
        && now - peer.needsRepairSince >= REPAIR_INTERVAL_MILLIS * ranks.rank(region, region)) {
      peer.lastRepairMillis = now;
      peer.repairing = repair(region, shard);
    }
    boolean wantFull = peer.vector == null || now - peer.lastFullVectorMillis >= FULL_VECTOR_MILLIS;
    // An empty request only when nothing is on its way (an answer brings the region's vector
    // anyway): a probe after a failure, the first contact, a heartbeat or a full-vector refresh.
    boolean gossipDue = peer.inFlight == 0 && (probing || wantFull || now - peer.lastSentMillis >= HEARTBEAT_MILLIS);
    // Offers ride on every request; on their own at most once a heartbeat, when nothing is granted.
    boolean offerDue = !offers.isEmpty() && peer.inFlight == 0 && !grantFresh(peer, now)
        && now - peer.lastOfferMillis >= HEARTBEAT_MILLIS;
    if (batch.isEmpty() && !gossipDue && !offerDue) {
      return;
    }
    if (!offers.isEmpty()) {
      peer.lastOfferMillis = now;
    }
    // The region's applied watermark every heartbeat interval (tombstone collection), and this
    // region's claim on requests that carry none of its own mutations (those carry their stamps).
    boolean wantWatermark = now - peer.lastWatermarkAskMillis >= HEARTBEAT_MILLIS;
    if (wantWatermark) {
      peer.lastWatermarkAskMillis = now;
    }
    ReplicateRequest.Builder builder = ReplicateRequest.newBuilder()
        .setFormat(1)
        .setFromRegion(replica.region())
        .setShard(shard)
        .addAllMutations(batch)
        .setFullVector(wantFull)
        .setWantWatermark(wantWatermark)
        .putAllRelayOffers(offers);
    if (batch.stream().noneMatch(m -> m.getOriginRegion().equals(replica.region()))) {
      Watermarks.Claim claim = watermarks.ownClaim(shard);
      builder.setClosedSeq(claim.seq()).setClosedHlc(claim.hlc());
    }
    ReplicateRequest request = builder.build();
    Map<String, Long> last = new HashMap<>();
    for (Mutation m : batch) {
      last.merge(m.getOriginRegion(), m.getSeq(), Math::max);
      peer.sent.merge(m.getOriginRegion(), m.getSeq(), Math::max);
    }
    peer.lastSentMillis = now;
    peer.inFlight++;
    int epoch = peer.epoch;
    link.replicate(region, request).whenCompleteAsync((response, error) -> {
      peer.inFlight--;
      if (error != null || !response.getRefused().isEmpty()) {
        // Start again from what the region last confirmed, after a back-off that doubles.
        peer.sent.clear();
        peer.epoch++;
        peer.failures++;
        long backoff = Math.min(MAX_BACKOFF_MILLIS, settings.retryBackoffMillis() << Math.min(10, peer.failures - 1));
        peer.backoffUntilMillis = clock.millis() + backoff;
        LOG.debug("replication to {} shard {} failed: {}", region, shard,
            error != null ? error.toString() : response.getRefused());
        if (error == null) {
          learn(peer, response, false);
        }
      } else {
        peer.failures = 0;
        peer.backoffUntilMillis = 0;
        learn(peer, response, request.getFullVector());
        // A batch that was not applied in full arrived before an earlier one: resend from the gap,
        // once per gap (later batches' answers show the same gap while the resend travels).
        boolean restart = false;
        for (Map.Entry<String, Long> e : last.entrySet()) {
          if (epoch == peer.epoch && peer.vector.getOrDefault(e.getKey(), 0L) < e.getValue()) {
            peer.sent.remove(e.getKey());
            restart = true;
          }
        }
        if (restart) {
          peer.epoch++;
        }
      }
      updateLag(shard, peer);
      if (error == null && (!batch.isEmpty() || peer.behindEntries > 0 || !peer.relayGrants.isEmpty())) {
        // Only this region may have more to get now: a run over every region per answer would
        // cost (regions - 1) squared ship attempts per write at hundreds of regions.
        shipAgain(region, shard, peer);
      }
    }, scheduler);
  }

  /** Ships to one region again (after its answer), if this node still leads the shard. */
  private void shipAgain(String region, int shard, Peer peer) {
    if (closed) {
      return;
    }
    try {
      for (GroupInfo group : replica.groups()) {
        if (group.shard() == shard && group.isLeader()) {
          ship(region, shard, replica.versionVector(shard), peer);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("replication to {} failed on {}", region, replica.nodeId(), e);
    }
  }

  /** Merges what an answer says of the region's vector (each origin only grows), its stale origins and relay grants. */
  private void learn(Peer peer, ReplicateResponse response, boolean full) {
    Map<String, Long> merged = new HashMap<>(peer.vector == null ? Map.of() : peer.vector);
    response.getVersionVectorMap().forEach((origin, seq) -> merged.merge(origin, seq, Math::max));
    peer.vector = Map.copyOf(merged);
    if (response.getAppliedWatermark() > peer.watermark) {
      peer.watermark = response.getAppliedWatermark();
    }
    peer.staleOrigins = Set.copyOf(response.getStaleOriginsList());
    peer.staleOriginsInOrder = List.copyOf(response.getStaleOriginsList());
    peer.relayGrants = List.copyOf(response.getRelayGrantsList());
    peer.relayGrantedMillis = clock.millis();
    if (full) {
      peer.lastFullVectorMillis = clock.millis();
    }
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
          Map<String, Long> vector = replica.versionVector(shard);
          List<ByteString> mine = replica.read(shard, engine -> AntiEntropy.digests(engine, buckets));
          Set<Integer> differing = new HashSet<>();
          for (int i = 0; i < buckets; i++) {
            if (i >= theirs.getDigestsCount() || !mine.get(i).equals(theirs.getDigests(i))) {
              differing.add(i);
            }
          }
          // With no bucket differing the region still gets the vector: its state already dominates
          // it, and without it the region stays behind the log for good (repaired again and again).
          List<Mutation> state = differing.isEmpty() ? List.of()
              : replica.read(shard, engine -> AntiEntropy.state(engine, differing, buckets));
          CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
          // Tombstones and purge records go last, so that (when they fit one batch) they arrive
          // with the vector: a receiver holding a repaired tombstone its vector does not cover
          // yet could collect it before other regions have it (the simulation caught this).
          List<Mutation> live = new ArrayList<>();
          List<Mutation> deletions = new ArrayList<>();
          for (Mutation m : state) {
            boolean deletion = m.getKind() == MutationKind.MUTATION_DELETE || m.getKind() == MutationKind.MUTATION_PURGE;
            (deletion ? deletions : live).add(m);
          }
          List<List<Mutation>> batches = new ArrayList<>();
          if (!live.isEmpty()) {
            batches.addAll(cut(live));
          }
          if (!deletions.isEmpty() || batches.isEmpty()) {
            batches.addAll(cut(deletions));
          }
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
  private List<Mutation> due(String region, int shard, Map<String, Long> mine, Peer peer, long now,
      boolean unrelayable) {
    List<Mutation> out = new ArrayList<>();
    int[] bytes = {0};
    boolean repair = unrelayable;
    // This region's own mutations, then a third region's only where the region granted this node
    // their relay (it has not heard from the origin lately: a cut link), and only once they are
    // relayAfterMillis old. Other origins are not looked at (with hundreds of regions most runs
    // find nothing to send).
    List<String> candidates = new ArrayList<>(1 + peer.relayGrants.size());
    candidates.add(replica.region());
    if (grantFresh(peer, now)) {
      for (String granted : peer.relayGrants) {
        if (!granted.equals(region) && !granted.equals(replica.region())) {
          candidates.add(granted);
        }
      }
    }
    for (String originName : candidates) {
      Long newest = mine.get(originName);
      if (newest == null) {
        continue;
      }
      boolean relayed = !originName.equals(replica.region());
      long theirs = peer.shippedUpTo(originName);
      if (theirs >= newest) {
        continue;
      }
      long from = theirs + 1;
      long[] wait = peer.relayWait.get(originName);
      if (relayed && wait != null && wait[0] == from && now < wait[1]) {
        continue; // the next one to relay is still too young (no need to read it again)
      }
      long relayDelay = relayed ? settings.relayAfterMillis() : 0;
      long relayBefore = now - relayDelay;
      byte[] start = ReplicationKeys.logKey(originName, from);
      byte[] end = ReplicationKeys.logKey(originName, Long.MAX_VALUE);
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
            if (first[0]) {
              peer.relayWait.put(originName,
                  new long[] {from, HybridClock.physicalMillis(m.getStampedHlc()) + relayDelay});
            }
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
    if (repair && !peer.needsRepair) {
      peer.needsRepairSince = now;
    }
    peer.needsRepair = repair;
    return out;
  }

  /** Whether the region's latest grants are recent enough to act on ({@link #RELAY_GRANT_USE_MILLIS}). */
  private static boolean grantFresh(Peer peer, long now) {
    return !peer.relayGrants.isEmpty() && now - peer.relayGrantedMillis < RELAY_GRANT_USE_MILLIS;
  }

  /**
   * Fills {@code out} with the stale origins whose next mutation the region lacks this node's log
   * holds (origin to this node's sequence: relay offers). Returns whether this node holds more of
   * some stale origin than its log still has (only anti-entropy can bring the region that).
   */
  private boolean offers(String region, int shard, Map<String, Long> mine, Peer peer, Map<String, Long> out) {
    boolean unrelayable = false;
    for (String origin : peer.staleOriginsInOrder) {
      long have = mine.getOrDefault(origin, 0L);
      long theirs = peer.vector.getOrDefault(origin, 0L);
      if (origin.equals(region) || origin.equals(replica.region()) || have <= theirs) {
        continue;
      }
      boolean logged = nextStamp(shard, peer, origin, theirs) >= 0;
      unrelayable |= !logged;
      if (logged) {
        out.put(origin, have);
      }
    }
    return unrelayable;
  }

  /**
   * What the region lacks of what this node ships it (its own origin and the region's stale
   * origins; of other origins the vector learned may be up to a full-vector refresh old), and the
   * stamp of the oldest of those mutations.
   */
  private void updateLag(int shard, Peer peer) {
    if (peer.vector == null) {
      return;
    }
    Map<String, Long> mine = replica.versionVector(shard);
    long behind = 0;
    long oldest = 0;
    for (Map.Entry<String, Long> origin : mine.entrySet()) {
      if (!origin.getKey().equals(replica.region()) && !peer.staleOrigins.contains(origin.getKey())) {
        continue;
      }
      long theirs = peer.vector.getOrDefault(origin.getKey(), 0L);
      if (theirs < origin.getValue()) {
        behind += origin.getValue() - theirs;
        long stamped = nextStamp(shard, peer, origin.getKey(), theirs);
        if (stamped >= 0) {
          oldest = oldest == 0 ? stamped : Math.min(oldest, stamped);
        }
      }
    }
    peer.behindEntries = behind;
    peer.oldestUnackedStampMillis = oldest;
  }

  /**
   * The origin's stamp (physical millis) of the mutation after {@code theirs}, from the log, or -1
   * when the log no longer holds it. Cached per peer and origin: a logged mutation never changes.
   */
  private long nextStamp(int shard, Peer peer, String origin, long theirs) {
    long[] cached = peer.nextStamps.get(origin);
    if (cached != null && cached[0] == theirs) {
      return cached[1];
    }
    byte[] next = replica.read(shard, engine -> engine.replog.get(ReplicationKeys.logKey(origin, theirs + 1)));
    long stamp = next == null ? -1 : HybridClock.physicalMillis(parse(next).getStampedHlc());
    if (stamp >= 0) {
      peer.nextStamps.put(origin, new long[] {theirs, stamp});
    }
    return stamp;
  }

  /**
   * The time (physical millis of an HLC) before which every region, this one included, has
   * applied every mutation of every region, as each region reported it ({@link Watermarks}: its
   * applied watermark; this replica's own computed here), or empty while some region has not
   * reported one. A tombstone older than this (and the grace) is applied everywhere, and no
   * write older than it can still arrive anywhere.
   */
  public OptionalLong stableBeforeMillis(int shard) {
    long least = watermarks.watermark(shard);
    for (String region : settings.otherRegions()) {
      Peer peer = peers.get(region + "/" + shard);
      if (peer == null || peer.watermark == 0) {
        return OptionalLong.empty();
      }
      least = Math.min(least, peer.watermark);
    }
    return least == 0 ? OptionalLong.empty() : OptionalLong.of(HybridClock.physicalMillis(least));
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
