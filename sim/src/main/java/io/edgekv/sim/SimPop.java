package io.edgekv.sim;

import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.gossip.AntiEntropy;
import io.edgekv.replication.gossip.Shipper;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.Applier;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.ReplicaView;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.rocksdb.WriteBatch;

/**
 * One simulated PoP (a node of a region): its own engine (in memory), its applier, its clock and
 * hybrid clock, and, while it leads its region, the production {@link Shipper} on a simulated
 * executor. It answers other regions' replication calls as a node's internal service does.
 *
 * <p>A crash stops its executor (timers, pending callbacks and the shipper's in-memory state are
 * gone) and its hybrid clock; its engine survives, as RocksDB's applied state survives on disk.
 */
final class SimPop implements ReplicaView {
  private final Simulation sim;
  private final SimRegion region;
  private final String id;
  private final SimClock clock;
  private final KvEngine engine;
  private final Applier applier;
  private final SimLink link;
  private HybridClock hlc;
  private SimExecutor executor;
  private Shipper shipper;
  private boolean up = true;
  private boolean applyQueued;
  private long applied;

  SimPop(Simulation sim, SimRegion region, String id, SimClock clock) {
    this.sim = sim;
    this.region = region;
    this.id = id;
    this.clock = clock;
    this.engine = KvEngine.inMemory(sim::share);
    this.applier = new Applier(engine, 0, sim.options().logRetention());
    this.hlc = new HybridClock(clock);
    this.executor = new SimExecutor(sim.loop());
    this.link = new SimLink(sim, this);
  }

  String id() {
    return id;
  }

  SimRegion simRegion() {
    return region;
  }

  int regionIndex() {
    return region.index();
  }

  boolean up() {
    return up;
  }

  SimClock simClock() {
    return clock;
  }

  long appliedIndex() {
    return applied;
  }

  KvEngine engine() {
    return engine;
  }

  Shipper shipper() {
    return shipper;
  }

  // ---- ReplicaView: what the shipper reads ----

  @Override
  public String region() {
    return region.name();
  }

  @Override
  public String nodeId() {
    return id;
  }

  @Override
  public HybridClock clock() {
    return hlc;
  }

  @Override
  public List<GroupInfo> groups() {
    SimPop leader = region.leader();
    return List.of(new GroupInfo(0, region.name() + "-0", leader == this ? "LEADER" : "FOLLOWER",
        leader == null ? "" : leader.id, applied, region.commitIndex(), region.term(),
        region.pops().stream().map(SimPop::id).toList()));
  }

  @Override
  public <T> T read(int shard, Function<KvEngine, T> reader) {
    return reader.apply(engine);
  }

  // ---- the region's log ----

  /** What the leader fixes before appending, as KvStateMachine.startTransaction does. */
  Proposal stamp(Proposal proposal) {
    long stamp = hlc.now();
    long millis = clock.millis();
    Command command = switch (proposal.command()) {
      case Command.Put put when put.ttlMillis() > 0 ->
          put.withExpiresAt(CommandRules.expiresAt(millis, put.ttlMillis()));
      case Command.Touch touch -> touch.withExpiresAt(CommandRules.expiresAt(millis, touch.ttlMillis()));
      case Command.Txn txn -> txn.withExpiresAt(millis);
      default -> proposal.command();
    };
    return proposal.stamped(stamp, region.name(), command);
  }

  /** Applies what is committed after a short local delay (the leader first, followers a little later). */
  void applySoon() {
    if (!up || applyQueued) {
      return;
    }
    applyQueued = true;
    long delay = region.leader() == this ? 0 : 1 + sim.random().nextInt(8);
    sim.loop().after(delay, () -> {
      applyQueued = false;
      applyCommitted();
    });
  }

  /** Applies every committed entry not applied yet, in order, with the production applier. */
  void applyCommitted() {
    if (!up) {
      return;
    }
    boolean any = false;
    while (applied < region.commitIndex()) {
      long at = applied + 1;
      Proposal proposal = region.entry(at);
      hlc.observe(proposal.hlc());
      if (proposal.command() instanceof Command.ApplyRemote remote) {
        remote.mutations().forEach(m -> hlc.observe(m.getVersion().getHlc()));
      }
      boolean first = region.firstToApply(at);
      Map<String, Long> before = first ? ReplicationKeys.versionVector(engine) : null;
      Applier.Outcome outcome;
      try (WriteBatch batch = new WriteBatch()) {
        outcome = applier.apply(batch, proposal, at);
        engine.setAppliedPosition(batch, region.term(), at);
        engine.write(batch);
      }
      applied = at;
      any = true;
      sim.loop().trace("apply", region.index(), id.hashCode(), at);
      region.applied(this, at, proposal, outcome, before, first ? ReplicationKeys.versionVector(engine) : null);
    }
    if (any && shipper != null) {
      shipper.wake();
    }
  }

  // ---- leadership, crash, restart ----

  /** Became its region's leader: starts shipping and tombstone collection, as a shard leader does. */
  void lead() {
    shipper = new Shipper(this, link, sim.shipperSettings(region.name()), executor);
    shipper.start();
    TombstoneCollector collector = new TombstoneCollector(sim, this);
    executor.scheduleWithFixedDelay(collector::run, 1000, 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  void crash() {
    if (!up) {
      return;
    }
    up = false;
    sim.loop().trace("crash", region.index(), id.hashCode());
    executor.shutdownNow();
    if (shipper != null) {
      shipper.close();
      shipper = null;
    }
    region.crashed(this);
  }

  void restart() {
    if (up) {
      return;
    }
    up = true;
    sim.loop().trace("restart", region.index(), id.hashCode());
    executor = new SimExecutor(sim.loop());
    // As on a node: a restarted HLC starts from the wall clock. Entries already in the engine are
    // not replayed (KvStateMachine skips them), so it observes only what it applies from now on.
    hlc = new HybridClock(clock);
    region.restarted(this);
  }

  // ---- answering other regions (a node's internal service) ----

  /**
   * A batch from another region, answered as a node's internal service does: refused when a
   * timestamp is further ahead of this PoP's clock than the allowed offset; otherwise proposed
   * through the region's log as one ApplyRemote, answered with this PoP's vector once it applied it.
   */
  CompletableFuture<ReplicateResponse> receiveReplicate(ReplicateRequest request) {
    long limit = clock.millis() + sim.options().maxClockOffsetMillis();
    for (Mutation m : request.getMutationsList()) {
      if (HybridClock.physicalMillis(m.getVersion().getHlc()) > limit) {
        sim.clockRefusals++;
        return CompletableFuture.completedFuture(ReplicateResponse.newBuilder().setRegion(region.name())
            .setRefused("timestamp " + m.getVersion().getHlc() + " from " + m.getOriginRegion()
                + " is more than " + sim.options().maxClockOffsetMillis() + " ms ahead of this node's clock")
            .putAllVersionVector(vector()).build());
      }
    }
    if (request.getMutationsCount() == 0) {
      return CompletableFuture.completedFuture(answer());
    }
    List<Mutation> mutations = sim.options().ignoreHlc() ? restamped(request.getMutationsList())
        : request.getMutationsList();
    return region.submit(new Proposal("", 0, "", new Command.ApplyRemote(mutations)))
        .thenCompose(result -> appliedLocally(result.getApplied().getIndex()))
        .thenApply(ignored -> answer());
  }

  /** The lww-ignore-hlc self-test bug: remote puts and deletes take this PoP's clock as their version. */
  private List<Mutation> restamped(List<Mutation> in) {
    return in.stream().map(m -> switch (m.getKind()) {
      case MUTATION_PUT, MUTATION_DELETE -> m.toBuilder().setVersion(m.getVersion().toBuilder().setHlc(hlc.now())).build();
      default -> m;
    }).toList();
  }

  /** Completes once this PoP applied {@code index}, or after at most a second (the answer then carries an older vector). */
  private CompletableFuture<Void> appliedLocally(long index) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = sim.loop().now() + 1000;
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      if (applied >= index || sim.loop().now() >= deadline || !up) {
        done.complete(null);
      } else {
        sim.loop().after(2, check[0]);
      }
    };
    check[0].run();
    return done;
  }

  private ReplicateResponse answer() {
    SimPop leader = region.leader();
    return ReplicateResponse.newBuilder().setRegion(region.name()).putAllVersionVector(vector())
        .setLeader(leader == null ? "" : leader.id).build();
  }

  CompletableFuture<RangeDigestsResponse> receiveRangeDigests(RangeDigestsRequest request) {
    int buckets = (int) Math.min(4096, Math.max(1, request.getBuckets()));
    return CompletableFuture.completedFuture(RangeDigestsResponse.newBuilder()
        .addAllDigests(AntiEntropy.digests(engine, buckets)).putAllVersionVector(vector()).build());
  }

  CompletableFuture<ReplicateResponse> receiveRepair(RepairRequest request) {
    return region.submit(new Proposal("", 0, "",
            new Command.Repair(request.getMutationsList(), request.getVersionVectorMap())))
        .thenApply(ignored -> ReplicateResponse.newBuilder().setRegion(region.name()).putAllVersionVector(vector())
            .build());
  }

  Map<String, Long> vector() {
    return ReplicationKeys.versionVector(engine);
  }
}
