package io.edgekv.sim;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.gossip.Receiver;
import io.edgekv.replication.gossip.Shipper;
import io.edgekv.replication.gossip.Watermarks;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.ReplicaLog;
import io.edgekv.replication.storage.KvEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One simulated PoP (a node of a region): its own engine (in memory), its applier, its clock and
 * hybrid clock, and, while it leads its region, the production {@link Shipper} on a simulated
 * executor. Other regions' calls reach the production {@link Receiver}, as on a node.
 *
 * <p>A crash stops its executor (timers, pending callbacks and the shipper's in-memory state are
 * gone) and its hybrid clock; its engine survives, as RocksDB's applied state survives on disk.
 */
final class SimPop implements ReplicaLog {
  /**
   * Calls inside a simulation are bounded by the simulated network's timeout; a real-time deadline
   * would make the outcome depend on how fast the host runs.
   */
  private static final Deadline NO_DEADLINE = Deadline.afterMillis(TimeUnit.DAYS.toMillis(365));

  private final Simulation sim;
  private final SimRegion region;
  private final String id;
  private final SimClock clock;
  private final KvEngine engine;
  private final Applier applier;
  private final SimLink link;
  private Receiver receiver;
  private Watermarks watermarks;
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
    this.applier = new Applier(engine, 0);
    this.hlc = new HybridClock(clock);
    this.executor = new SimExecutor(sim.loop());
    this.link = new SimLink(sim, this);
    startReceiving();
  }

  /** The receiving side and its applied watermarks, as a node starts them. */
  private void startReceiving() {
    watermarks = new Watermarks(this, sim.regionNames());
    receiver = new Receiver(this, Duration.ofMillis(sim.options().maxClockOffsetMillis()),
        () -> sim.clockRefusals++, sim.options().ignoreHlc() ? this::restamped : UnaryOperator.identity(), watermarks);
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
    return List.of(new GroupInfo(0, region.name() + "-0", leader == this ? GroupInfo.Role.LEADER : GroupInfo.Role.FOLLOWER,
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
      Map<String, Long> before = first ? applier.versionVector() : null;
      Applier.Outcome outcome;
      outcome = applier.apply(proposal, region.term(), at);
      // A node trims its replication log outside apply (housekeeping); here, every 64 entries.
      if ((at & 63) == 0) {
        applier.trimReplicationLog(sim.options().logRetention());
      }
      applied = at;
      any = true;
      sim.loop().trace("apply", region.index(), id.hashCode(), at);
      region.applied(this, at, proposal, outcome, before, first ? applier.versionVector() : null);
    }
    if (any && shipper != null) {
      shipper.wake();
    }
  }

  // ---- leadership, crash, restart ----

  /** Became its region's leader: starts shipping and tombstone collection, as a shard leader does. */
  void lead() {
    shipper = new Shipper(this, link, sim.shipperSettings(region.name()), watermarks, executor);
    shipper.start();
    TombstoneCollector collector = new TombstoneCollector(sim, this);
    executor.scheduleWithFixedDelay(collector::run, 1000, 1000, TimeUnit.MILLISECONDS);
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
    // As on a node: a restarted HLC starts from the wall clock and, as KvStateMachine.initialize
    // does, past the stamp of the last applied entry (entries already in the engine are not
    // replayed). The receiver (when each region last called, its watermarks' claims) is kept, as
    // before watermarks: a model limit (docs/simulation.md).
    hlc = new HybridClock(clock);
    hlc.observe(applier.appliedStamps().entry());
    region.restarted(this);
  }

  // ---- the receiving side: the production Receiver over this PoP ----

  @Override
  public CompletableFuture<CommandResult> submit(int shard, Proposal proposal, Deadline deadline) {
    return region.submit(proposal);
  }

  @Override
  public CompletableFuture<Long> awaitApplied(int shard, long index, long timeoutMillis) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    long deadline = sim.loop().now() + timeoutMillis;
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      if (applied >= index || sim.loop().now() >= deadline || !up) {
        done.complete(applied);
      } else {
        sim.loop().after(2, check[0]);
      }
    };
    check[0].run();
    return done;
  }

  @Override
  public String leader(int shard) {
    SimPop leader = region.leader();
    return leader == null ? "" : leader.id;
  }

  CompletableFuture<ReplicateResponse> receiveReplicate(ReplicateRequest request) {
    return receiver.replicate(0, request, NO_DEADLINE);
  }

  CompletableFuture<RangeDigestsResponse> receiveRangeDigests(RangeDigestsRequest request) {
    return CompletableFuture.completedFuture(receiver.rangeDigests(0, request.getBuckets()));
  }

  CompletableFuture<ReplicateResponse> receiveRepair(RepairRequest request) {
    return receiver.repair(0, request, NO_DEADLINE);
  }

  /** The lww-ignore-hlc self-test bug: remote puts and deletes take this PoP's clock as their version. */
  private List<Mutation> restamped(List<Mutation> in) {
    return in.stream().map(m -> switch (m.getKind()) {
      case MUTATION_PUT, MUTATION_DELETE -> m.toBuilder().setVersion(m.getVersion().toBuilder().setHlc(hlc.now())).build();
      default -> m;
    }).toList();
  }

  /** The vector as of the last applied entry, from memory (as a node's replica serves it). */
  @Override
  public Map<String, Long> versionVector(int shard) {
    return applier.versionVector();
  }

  Map<String, Long> vector() {
    return applier.versionVector();
  }

  @Override
  public AppliedStamps appliedStamps(int shard) {
    return applier.appliedStamps();
  }
}
