package io.edgekv.replication.raft;

import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;
import io.edgekv.replication.storage.AtRest;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.internal.v1.ReadIndexResponse;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.ReadUnavailableException;
import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.pipeline.LeaderLink;
import io.edgekv.replication.pipeline.PipelineLimits;
import io.edgekv.replication.pipeline.ShardProposer;
import io.edgekv.replication.storage.DiskFullException;
import io.edgekv.replication.storage.DiskSpace;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ShardFailedException;
import io.edgekv.replication.storage.StorageOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of its region: the region's S shard groups ({@link RaftGroups}: one
 * Ratis server, a client per group), each shard with its own {@link KvStateMachine} and
 * RocksDB, a request pipeline per shard ({@link ShardProposer}), membership
 * ({@link RegionMembership}), rebuilds ({@link ShardRebuilds}), background upkeep
 * ({@link Housekeeping}), freshness sampling ({@link Freshness}) and the read API the rest of
 * the node uses ({@link ShardReads}).
 *
 * <p>Thread-safe after {@link #start()}.
 */
public final class RegionReplica implements AutoCloseable, ReplicaLog {
  private static final Logger LOG = LoggerFactory.getLogger(RegionReplica.class);

  /**
   * What this replica is.
   *
   * @param peers every node of the region, this one included
   * @param shards number of Raft groups in the region, fixed at bootstrap
   * @param replogRetention replication-log entries kept per origin and shard (trimmed by
   *     housekeeping, not by apply, so it may differ between nodes)
   * @param join true for a node added to a running region: it starts with no members and waits
   *     for the leader to add it ({@link RegionMembership}), instead of bootstrapping with {@code peers}
   */
  public record Settings(String nodeId, String region, String bindHost, int raftPort, List<Peer> peers,
      int shards, Path dataDir, StorageOptions storage, RaftTuning tuning, boolean join, long replogRetention) {
    public Settings {
      peers = List.copyOf(peers);
      if (peers.stream().noneMatch(p -> p.id().equals(nodeId))) {
        throw new IllegalArgumentException("node " + nodeId + " is not among the region's peers " + peers);
      }
      if (shards < 1 || shards > 64) {
        throw new IllegalArgumentException("shards must be between 1 and 64, was " + shards);
      }
    }
  }

  private final Settings settings;
  private final HybridClock clock;
  private final ChangeListener listener;
  private final RaftGroups raft;
  /** One per shard; a rebuilt shard gets a new one (Ratis closes a machine whose group leaves). */
  private final List<KvStateMachine> machines = new CopyOnWriteArrayList<>();
  private final Map<RaftGroupId, KvStateMachine> machineByGroup = new ConcurrentHashMap<>();
  private final DiskSpace diskSpace;
  private final ShardRebuilds rebuilds;
  private final Housekeeping housekeeping;
  private final Freshness freshness;
  private final ShardReads reads = new ShardReads(this);
  private volatile Runnable afterApply = () -> {};
  private volatile boolean closed;
  private final List<ShardProposer> proposers = new ArrayList<>();
  private final LeaderLink leaderLink;
  private final PipelineLimits pipelineLimits;
  private final ScheduledExecutorService pipelineScheduler;
  private RegionMembership membership;
  /** Seals what rests on disk ({@link #encryptAtRest}); plaintext by default. */
  private volatile AtRest atRest = AtRest.PLAINTEXT;
  /** Registers a namespace's data key before its first write (encryption at rest). */
  private final DataKeyRegistration dataKeys = new DataKeyRegistration(() -> atRest, this::propose, this::shards);

  /**
   * @param leaderLink how proposals reach the shard leader when this node does not lead
   * @param pipelineLimits bounds of each shard's pipeline
   * @param diskSpace the data directory's free space; writes are refused while it is short
   */
  public RegionReplica(Settings settings, HybridClock clock, ChangeListener listener, LeaderLink leaderLink,
      PipelineLimits pipelineLimits, DiskSpace diskSpace) {
    this.settings = settings;
    this.clock = clock;
    this.listener = listener;
    this.leaderLink = leaderLink;
    this.pipelineLimits = pipelineLimits;
    this.diskSpace = diskSpace;
    this.pipelineScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pipeline-" + settings.nodeId());
      t.setDaemon(true);
      return t;
    });
    this.rebuilds = new ShardRebuilds(this, settings.nodeId(), settings.dataDir(),
        settings.tuning().electionTimeoutMax().multipliedBy(3).plusSeconds(1));
    this.raft = new RaftGroups(settings, pipelineLimits, diskSpace);
    this.housekeeping = new Housekeeping(this, settings.replogRetention());
    this.freshness = new Freshness(System::nanoTime, settings.shards());
  }

  /** The stable group id of a region's shard, the same on every node. */
  public static RaftGroupId groupId(String region, int shard) {
    return RaftGroups.groupId(region, shard);
  }

  /**
   * Mutual TLS for the Raft transport: the server port, the appenders to peers and this node's Raft
   * clients. Call before {@link #start()}; without it the transport is plaintext.
   */
  public void useTls(GrpcTlsConfig tls) {
    useTls(tls, null);
  }

  /** {@link #useTls(GrpcTlsConfig)} plus a customizer of the Raft gRPC server (identity checks per message). */
  public void useTls(GrpcTlsConfig tls, GrpcServices.Customizer serverCustomizer) {
    raft.useTls(tls, serverCustomizer);
  }

  /**
   * Encryption at rest: Raft log entries and every table value are sealed by {@code atRest}.
   * Call before {@link #start()}; every replica of the fleet must hold the same keys.
   */
  public void encryptAtRest(AtRest atRest) {
    this.atRest = atRest;
  }

  /** Opens the engines, starts the Raft server and joins every shard group. */
  public void start() throws IOException {
    diskSpace.refresh();
    for (int shard = 0; shard < settings.shards(); shard++) {
      KvStateMachine machine = newMachine(shard);
      machines.add(machine);
      machineByGroup.put(raft.groupIdOf(shard), machine);
    }
    raft.start(machineByGroup::get);
    for (int shard = 0; shard < settings.shards(); shard++) {
      int s = shard;
      proposers.add(new ShardProposer(shard, settings.region(), raft.server(), raft.groupIdOf(shard), () -> leader(s),
          () -> machines.get(s).appliedIndex().get(), raft.viaRaftWhenUnknown(shard, leaderLink), pipelineScheduler,
          pipelineLimits));
    }
    membership = new RegionMembership(settings.nodeId(), settings.region(), raft.groups(), raft.server());
    membership.raftParameters(raft.parameters());
    // Damage in data nobody has read yet is found in the background, not by the first unlucky request.
    Thread.ofPlatform().daemon().name("verify-storage-" + settings.nodeId()).start(() -> {
      for (int shard = 0; shard < settings.shards() && !closed; shard++) {
        machines.get(shard).verifyStorage();
      }
    });
  }

  private KvStateMachine newMachine(int shard) {
    KvStateMachine machine = new KvStateMachine(shard, settings.region(), engineDir(shard), settings.storage(), clock,
        listener, atRest);
    machine.onApplied(afterApply);
    machine.onFailure(cause -> rebuilds.leaveAfterFailure(shard));
    // Read index and term asked through Raft by members that do not know this node's internal address.
    machine.onQuery(request -> shard < proposers.size()
        ? RaftRouteLink.answer(request, proposers.get(shard), () -> term(shard),
            Deadline.after(settings.tuning().requestTimeout()))
        : CompletableFuture.completedFuture(Message.EMPTY));
    return machine;
  }

  /** The shard a key belongs to: a stable hash of namespace and key, the same on every node. */
  public int shardOf(String namespace, byte[] key) {
    if (settings.shards() == 1) {
      return 0;
    }
    CRC32C crc = new CRC32C();
    crc.update(namespace.getBytes(StandardCharsets.UTF_8));
    crc.update(0);
    crc.update(key);
    return (int) (crc.getValue() % settings.shards());
  }

  public int shards() {
    return settings.shards();
  }

  public String nodeId() {
    return settings.nodeId();
  }

  public String region() {
    return settings.region();
  }

  public HybridClock clock() {
    return clock;
  }

  /** Runs {@code callback} after every entry applied on this replica (any shard); it must not block. */
  public void onApplied(Runnable callback) {
    afterApply = callback;
    machines.forEach(m -> m.onApplied(callback));
  }

  /**
   * Runs a read against a shard's local RocksDB.
   *
   * For {@code replication/}'s own packages (apply, gossip); the rest of the node reads through
   * {@link #reads()}, which keeps the engine's tables private to this module.
   *
   * @throws ShardFailedException when the shard has failed on this node or is being rebuilt
   *     (corruption found by this read fails the shard)
   */
  public <T> T read(int shard, Function<KvEngine, T> reader) {
    rebuilds.throwIfRebuilding(shard);
    return machines.get(shard).read(reader);
  }

  /** {@link #read} without waiting: see {@link KvStateMachine#tryRead}. */
  <T> Optional<T> tryRead(int shard, Function<KvEngine, T> reader) {
    rebuilds.throwIfRebuilding(shard);
    return machines.get(shard).tryRead(reader);
  }

  /** The read API of this replica's local storage: entries, purge receipts, version vectors. */
  public ShardReads reads() {
    return reads;
  }

  KvStateMachine machine(int shard) {
    return machines.get(shard);
  }

  void checkNotRebuilding(int shard) {
    rebuilds.throwIfRebuilding(shard);
  }

  /**
   * Why the shard cannot serve on this node: the storage error that failed it (naming the file
   * when known), or its rebuild in progress; empty while it is healthy.
   */
  public Optional<String> shardFailure(int shard) {
    Optional<String> failure = machines.get(shard).failure();
    return failure.isPresent() ? failure : rebuilds.status(shard);
  }

  /** {@link #shardFailure} of every shard that has one, by shard. */
  public Map<Integer, String> shardFailures() {
    Map<Integer, String> out = new TreeMap<>();
    for (int shard = 0; shard < machines.size(); shard++) {
      int s = shard;
      shardFailure(shard).ifPresent(cause -> out.put(s, cause));
    }
    return out;
  }

  /** Why writes are refused for lack of disk space (as of the last sample), or empty. */
  public Optional<String> diskShortage() {
    return diskSpace.shortage();
  }

  /** Samples the data directory's free space; called periodically by the node, never per request. */
  public void refreshDiskSpace() {
    diskSpace.refresh();
  }

  /**
   * Throws why this node refuses a write to the shard now: the shard failed here or is being
   * rebuilt ({@link ShardFailedException}) or the disk is short of space ({@link DiskFullException}).
   */
  public void checkWritable(int shard) {
    rebuilds.throwIfRebuilding(shard);
    Optional<String> failure = machines.get(shard).failure();
    if (failure.isPresent()) {
      // UNAVAILABLE, not DATA_LOSS: refusing a write loses nothing, and another node takes it.
      throw new ShardFailedException(shard, failure.get(), false, "");
    }
    diskSpace.checkWritable();
  }

  /**
   * Reinstalls a shard on this node from a healthy peer ({@code edgekv admin rebuild-shard}): the
   * local copy (RocksDB and Raft log) is wiped and the group's leader sends its snapshot.
   *
   * @return the index the new replica has applied once caught up
   * @throws ShardRebuildRefusedException when no other member leads the shard with a quorum
   *     without this node; nothing is changed then
   * @throws WriteUnavailableException when it has not caught up within the timeout (it goes on)
   */
  public long rebuildShard(int shard, long timeoutMillis) throws IOException {
    if (shard < 0 || shard >= shards()) {
      throw new IllegalArgumentException("shard " + shard + " does not exist; shards are 0.." + (shards() - 1));
    }
    return rebuilds.rebuild(shard, timeoutMillis);
  }

  // For ShardRebuilds.
  RaftServer server() {
    return raft.server();
  }

  RaftGroupId groupIdOf(int shard) {
    return raft.groupIdOf(shard);
  }

  List<RaftPeer> bootstrapPeers() {
    return List.copyOf(raft.groups().get(0).getPeers());
  }

  Path engineDir(int shard) {
    return raft.engineDir(shard);
  }

  RaftClient newAdminClient(RaftGroup group) {
    return raft.newAdminClient(group);
  }

  boolean isLeader(int shard) {
    return group(shard).isLeader();
  }

  boolean isClosed() {
    return closed;
  }

  void closeMachine(int shard) throws IOException {
    machines.get(shard).close();
  }

  /**
   * A fresh state machine for the shard (opening whatever its engine directory holds), registered
   * with Ratis, and a fresh Raft client: Ratis fails a client's ordered requests for good once one
   * of them met the group missing on a server, as it is here while the shard is out.
   */
  void replaceMachine(int shard) {
    KvStateMachine machine = newMachine(shard);
    machines.set(shard, machine);
    machineByGroup.put(raft.groupIdOf(shard), machine);
    raft.replaceClient(shard);
  }

  @Override
  public CompletableFuture<Long> awaitApplied(int shard, long index, long timeoutMillis) {
    return appliedIndex(shard).await(index, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  public AppliedIndex appliedIndex(int shard) {
    return machines.get(shard).appliedIndex();
  }

  /**
   * Proposes a command to its shard's group through the shard's pipeline ({@link ShardProposer})
   * and completes with the applied result once a majority has it durably, by {@code deadline}.
   * Completes exceptionally with {@link io.edgekv.replication.OverloadedException} at once when
   * the shard's pipeline is full, and with {@link WriteUnavailableException} when the group
   * cannot commit it by the deadline; the caller may retry with the same request id, which is
   * applied at most once. Never blocks the calling thread.
   */
  public CompletableFuture<CommandResult> submit(int shard, Proposal proposal, Deadline deadline) {
    return dataKeys.submit(shard, proposal, deadline);
  }

  /**
   * Rotates {@code namespace}'s data key on every shard: new writes are sealed with a new key,
   * records sealed with the old ones stay readable (DESIGN section 10).
   */
  public CompletableFuture<Void> rotateDataKey(String namespace, Deadline deadline) {
    return dataKeys.rotate(namespace, deadline);
  }

  private CompletableFuture<CommandResult> propose(int shard, Proposal proposal, Deadline deadline) {
    return whenWritable(shard, () -> proposers.get(shard).propose(atRest.seal(CommandCodec.encode(proposal)),
        idempotent(proposal), deadline));
  }

  /** {@code write} if the shard accepts writes here now, else its refusal ({@link #checkWritable}). */
  private <T> CompletableFuture<T> whenWritable(int shard, Supplier<CompletableFuture<T>> write) {
    try {
      checkWritable(shard);
    } catch (RuntimeException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    return write.get();
  }

  /**
   * Whether proposing twice is harmless: a request id (the state machine remembers it), or a
   * command whose apply skips what it already did (remote batches by sequence, repairs by
   * version, expiry and collection by the version they target).
   */
  private static boolean idempotent(Proposal proposal) {
    return !proposal.requestId().isEmpty() || proposal.command() instanceof Command.ApplyRemote
        || proposal.command() instanceof Command.Repair || proposal.command() instanceof Command.Expire
        || proposal.command() instanceof Command.CollectTombstones
        || proposal.command() instanceof Command.RegisterDataKey key && !key.rotate();
  }

  /** The shard's version vector, kept in memory: see {@link ShardReads#versionVector}. */
  @Override
  public Map<String, Long> versionVector(int shard) {
    return reads.versionVector(shard);
  }

  @Override
  public AppliedStamps appliedStamps(int shard) {
    return reads.appliedStamps(shard);
  }

  /** {@link #submit(int, Proposal, Deadline)} with the default request timeout. */
  public CompletableFuture<CommandResult> submit(int shard, Proposal proposal) {
    return submit(shard, proposal, Deadline.after(pipelineLimits.defaultTimeout()));
  }

  /** A proposal forwarded here by another node of the region: proposed only if this node leads the shard. */
  public CompletableFuture<ProposeResponse> proposeHere(int shard, byte[] proposal, Deadline deadline) {
    return whenWritable(shard, () -> proposers.get(shard).proposeHere(proposal, deadline));
  }

  /** The shard's pipeline (admission figures for metrics and health). */
  public ShardProposer proposer(int shard) {
    return proposers.get(shard);
  }

  /**
   * Completes once this replica has applied everything committed in the shard's group when the
   * call was made (the leader's read index, confirmed after the call by a majority still in the
   * leader's term: {@link ShardProposer#readBarrier}), so that a local read that follows is
   * linearizable. Fails with {@link ReadUnavailableException} without a quorum, or when this
   * replica has not applied the index by the deadline; at once with {@link
   * io.edgekv.replication.OverloadedException} when too many are outstanding.
   */
  public CompletableFuture<Long> readBarrier(int shard, Deadline deadline) {
    try {
      // A failed shard reports its failure, not the missing quorum of a group it has left.
      machines.get(shard).checkHealthy();
    } catch (RuntimeException failed) {
      return CompletableFuture.failedFuture(failed);
    }
    return proposers.get(shard).readBarrier(deadline).thenCompose(index -> machines.get(shard).appliedIndex()
        .await(index, Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS)
        .thenApply(reached -> {
          if (reached < index) {
            throw new ReadUnavailableException("shard " + shard + ": this replica had applied index " + reached
                + " of the read index " + index + " by the deadline", null);
          }
          return reached;
        }));
  }

  /** A read index asked of this node by another member: see {@link ShardProposer#readIndexHere}. */
  public CompletableFuture<ReadIndexResponse> readIndexHere(int shard, Deadline deadline) {
    try {
      machines.get(shard).checkHealthy();
    } catch (RuntimeException failed) {
      return CompletableFuture.failedFuture(failed);
    }
    return proposers.get(shard).readIndexHere(deadline);
  }

  /** This node's current Raft term in the shard's group. */
  public long term(int shard) {
    return raft.term(shard);
  }

  /** {@link #readBarrier(int, Deadline)} with the default request timeout. */
  public CompletableFuture<Long> readBarrier(int shard) {
    return readBarrier(shard, Deadline.after(pipelineLimits.defaultTimeout()));
  }

  /** The highest index this replica knows to be committed in the shard's group (0 if unknown). */
  public long commitIndex(int shard) {
    return raft.commitIndex(shard);
  }

  /**
   * How far behind this replica may be, in milliseconds: on the leader, the time since a majority
   * last answered it; on a follower, the time since its leader's last message, when it had applied
   * everything it knew committed then ({@link Freshness}). Long.MAX_VALUE when it never was.
   */
  public long stalenessMillis(int shard) {
    return freshness.stalenessMillis(shard);
  }

  /** Samples each shard's freshness; called periodically by the node. */
  public void sampleFreshness() {
    freshness.sample(groups(), raft::contact);
  }

  /**
   * Proposes the removal of expired entries of the shards this replica leads, at most
   * {@code maxPerShard} each, oldest first; one sweep in flight per shard. The apply removes an
   * entry only if it still has the swept version and is still expired at the proposal's time.
   */
  public void sweepExpired(int maxPerShard) {
    housekeeping.sweepExpired(maxPerShard);
  }

  /**
   * Trims each shard's replication log to the newest {@code replogRetention} entries per origin;
   * called periodically by the node. Not part of apply: the retention is this node's setting.
   */
  public void trimReplicationLogs() {
    housekeeping.trimReplicationLogs();
  }

  /** The current Raft members of a shard group, as this replica knows them. */
  public List<Peer> members(int shard) {
    return membership.members(shard);
  }

  /** Adding and removing members, moving leadership, and whether this node is still a member. */
  public RegionMembership membership() {
    return membership;
  }

  /** Takes a snapshot of every shard on this node now; returns the snapshot index per shard. */
  public List<Long> snapshotNow(long timeoutMillis) throws IOException {
    return raft.snapshotNow(timeoutMillis);
  }

  /** Tombstone collection on a shard this replica leads: see {@code Housekeeping#collectTombstones}. */
  public void collectTombstones(int shard, long cutoffMillis, int max, long tickAfterMillis) {
    housekeeping.collectTombstones(shard, cutoffMillis, max, tickAfterMillis);
  }

  /** The first index still in this replica's Raft log (greater than 1 once the log was purged). */
  public long logStartIndex(int shard) {
    return raft.logStartIndex(shard);
  }

  /** The shard's leader as this replica knows it, or "" when it knows none. */
  public String leader(int shard) {
    return raft.leader(shard);
  }

  /** Each shard group's state on this replica. */
  public List<GroupInfo> groups() {
    List<GroupInfo> out = new ArrayList<>();
    for (int shard = 0; shard < settings.shards(); shard++) {
      out.add(group(shard));
    }
    return out;
  }

  private GroupInfo group(int shard) {
    return raft.info(shard, machines.get(shard).appliedIndex().get(), shardFailure(shard).isPresent());
  }

  /** True when every shard group on this replica knows a leader. */
  public boolean everyGroupHasLeader() {
    return groups().stream().allMatch(g -> !g.leader().isEmpty());
  }

  @Override
  public void close() {
    closed = true;
    pipelineScheduler.shutdownNow();
    if (membership != null) {
      membership.close();
    }
    raft.close();
    for (KvStateMachine machine : machines) {
      try {
        machine.close();
      } catch (IOException e) {
        LOG.warn("closing shard {}", machine.shard(), e);
      }
    }
  }
}
