package io.edgekv.replication.raft;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.StoredEntries;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.DiskSpace;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StorageOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.internal.v1.ReadIndexResponse;
import io.edgekv.replication.pipeline.LeaderLink;
import org.apache.ratis.protocol.Message;
import io.edgekv.replication.pipeline.PipelineLimits;
import io.edgekv.replication.pipeline.ShardProposer;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of its region: one Ratis server (one Raft port) hosting the region's S
 * shard groups, each with its own {@link KvStateMachine} and RocksDB, and a Ratis client per
 * group that sends proposals to the group's leader wherever it is.
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
   * @param replogRetention replication-log entries kept per origin and shard
   * @param join true for a node added to a running region: it starts with no members and waits
   *     for the leader to add it ({@link #addMember}), instead of bootstrapping with {@code peers}
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
  private final List<RaftGroup> groups = new ArrayList<>();
  /** One per shard; a rebuilt shard gets a new one (Ratis closes a machine whose group leaves). */
  private final List<KvStateMachine> machines = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** One per shard; a rebuilt shard gets a new one (a client that met the group missing here stays failed). */
  private final List<RaftClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<RaftGroupId, KvStateMachine> machineByGroup = new java.util.concurrent.ConcurrentHashMap<>();
  private final DiskSpace diskSpace;
  private final ShardRebuilds rebuilds;
  private volatile Runnable afterApply = () -> {};
  private volatile boolean closed;
  private final List<Freshness> freshness = new ArrayList<>();
  private final Map<Integer, CompletableFuture<?>> sweeps = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<?>> collections = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<ShardProposer> proposers = new ArrayList<>();
  private final LeaderLink leaderLink;
  private final PipelineLimits pipelineLimits;
  private final ScheduledExecutorService pipelineScheduler;
  private RaftServer server;
  private RegionMembership membership;

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
    List<RaftPeer> raftPeers = settings.peers().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
        .toList();
    for (int shard = 0; shard < settings.shards(); shard++) {
      RaftGroup group = RaftGroup.valueOf(groupId(settings.region(), shard), raftPeers);
      groups.add(group);
    }
  }

  /** The stable group id of a region's shard, the same on every node. */
  public static RaftGroupId groupId(String region, int shard) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
        ("edgekv/" + region + "/shard-" + shard).getBytes(StandardCharsets.UTF_8)));
  }

  /** Opens the engines, starts the Raft server and joins every shard group. */
  public void start() throws IOException {
    diskSpace.refresh();
    for (int shard = 0; shard < settings.shards(); shard++) {
      KvStateMachine machine = newMachine(shard);
      machines.add(machine);
      freshness.add(new Freshness(clock.clock()));
      machineByGroup.put(groups.get(shard).getGroupId(), machine);
    }
    RaftProperties properties = serverProperties();
    server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(settings.nodeId()))
        .setProperties(properties)
        .setStateMachineRegistry(machineByGroup::get)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      throw explainLogCorruption(e, properties);
    }
    List<RaftGroupId> existing = new ArrayList<>();
    server.getGroupIds().forEach(existing::add);
    for (RaftGroup group : groups) {
      if (!existing.contains(group.getGroupId())) {
        // First start of this node: format the group's storage with the bootstrap peers, or,
        // when joining a running region, with no peers until the leader adds this node.
        RaftGroup initial = settings.join() ? RaftGroup.valueOf(group.getGroupId()) : group;
        RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(
            ClientId.randomId(), server.getId(), 0, initial, true));
        if (!reply.isSuccess()) {
          throw new IOException("cannot join Raft group " + group.getGroupId(), reply.getException());
        }
      }
      clients.add(newClient(group));
      int shard = proposers.size();
      proposers.add(new ShardProposer(shard, settings.region(), server, group.getGroupId(), () -> leader(shard),
          () -> machines.get(shard).appliedIndex().get(), new RaftRouteLink(shard, leaderLink, () -> clients.get(shard)),
          pipelineScheduler, pipelineLimits));
    }
    membership = new RegionMembership(settings.nodeId(), settings.region(), groups, server);
    // Damage in data nobody has read yet is found in the background, not by the first unlucky request.
    Thread.ofPlatform().daemon().name("verify-storage-" + settings.nodeId()).start(() -> {
      for (int shard = 0; shard < settings.shards() && !closed; shard++) {
        machines.get(shard).verifyStorage();
      }
    });
  }

  private KvStateMachine newMachine(int shard) {
    KvStateMachine machine = new KvStateMachine(shard, settings.region(), engineDir(shard), settings.storage(), clock,
        listener, settings.replogRetention());
    machine.onApplied(afterApply);
    machine.onFailure(cause -> rebuilds.leaveAfterFailure(shard));
    // Read index and term asked through Raft by members that do not know this node's internal address.
    machine.onQuery(request -> shard < proposers.size()
        ? RaftRouteLink.answer(request, proposers.get(shard), () -> term(shard),
            Deadline.after(settings.tuning().requestTimeout()))
        : CompletableFuture.completedFuture(Message.EMPTY));
    return machine;
  }

  /**
   * Ratis' error for a damaged log names neither the file nor the group; this one names the
   * segment, the shard and the remedy.
   */
  private IOException explainLogCorruption(Exception error, RaftProperties properties) {
    if (!RaftLogCheck.isLogCorruption(error)) {
      return error instanceof IOException io ? io : new IOException("cannot start the Raft server: " + error, error);
    }
    StringBuilder found = new StringBuilder();
    for (int shard = 0; shard < groups.size(); shard++) {
      Path groupDir = settings.dataDir().resolve("raft").resolve(groups.get(shard).getGroupId().getUuid().toString());
      int s = shard;
      RaftLogCheck.corruptSegment(groupDir, RaftServerConfigKeys.Log.Appender.bufferByteLimit(properties))
          .ifPresent(segment -> found.append(" The Raft log segment ").append(segment).append(" of shard ").append(s)
              .append(" is corrupt. Remedy: delete ").append(groupDir).append(" and ").append(engineDir(s))
              .append(", start the node again, then run `edgekv admin rebuild-shard --shard ").append(s)
              .append(" --endpoint <this node>`: it receives the shard from its peers (the rest of the region must"
                  + " have a quorum)."));
    }
    String message = "cannot start the Raft server of node " + settings.nodeId() + ": its log is corrupt ("
        + rootMessage(error) + ")." + (found.isEmpty() ? " No segment could be named; the group directories are under "
        + settings.dataDir().resolve("raft") + "." : found.toString());
    LOG.error(message);
    return new IOException(message, error);
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private RaftProperties serverProperties() {
    RaftTuning tuning = settings.tuning();
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, new PromptCommitRpc());
    GrpcConfigKeys.Server.setHost(p, settings.bindHost());
    GrpcConfigKeys.Server.setPort(p, settings.raftPort());
    RaftServerConfigKeys.setStorageDir(p, List.of(settings.dataDir().resolve("raft").toFile()));
    // Ratis checks this only when it opens a group's storage (start, rebuild). It is a quarter of
    // storage.minFreeBytes so that a node restarted on a nearly full disk still starts and serves
    // reads; writes are refused from storage.minFreeBytes on (checkWritable).
    RaftServerConfigKeys.setStorageFreeSpaceMin(p, SizeInBytes.valueOf(diskSpace.minFreeBytes() / 4));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(tuning.electionTimeoutMin().toMillis()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(tuning.electionTimeoutMax().toMillis()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(tuning.requestTimeout().toMillis()));
    // Durability: the log is fsynced before an append is acknowledged (the default, stated here on purpose).
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
    // No extra commit-index entry per write: the applied position lives in RocksDB instead.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    // Sizes: a maximum-size entry must fit the log buffer, the appender batch and the gRPC message.
    int entry = tuning.maxEntryBytes();
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(entry));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entry + (64 << 10)));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(tuning.segmentBytes()));
    // Heap: Ratis keeps up to 6 log segments (200 MB) of entries in memory by default, more than a
    // small node's heap holds with 1 MiB values; keep the open segment and one closed one (a
    // follower further behind is served from disk).
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 1);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(Math.max(2L * entry, tuning.segmentBytes())));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(entry + (1 << 20)));
    // Snapshots (RocksDB checkpoints) every snapshotEvery entries; the log is purged up to them,
    // and a follower behind the purged log installs the leader's checkpoint.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, tuning.snapshotEvery());
    RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.max(1, tuning.snapshotEvery() / 2));
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, Math.max(1, tuning.snapshotEvery() / 4)));
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, 0);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Leader lease: while a majority answered within 0.9 of the minimum election timeout, the leader
    // confirms a read index without a heartbeat round (Ratis batches the rounds it still needs).
    // Linearizability never rests on it: ShardProposer confirms the leader's term with a majority.
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    // A read index not served within a request timeout fails; the pipeline retries until its deadline.
    RaftServerConfigKeys.Read.setTimeout(p, millis(tuning.requestTimeout().toMillis()));
    // Many nodes share one process in dev and tests: keep the pools small.
    RaftServerConfigKeys.ThreadPool.setProxyCached(p, true);
    RaftServerConfigKeys.ThreadPool.setServerCached(p, true);
    RaftServerConfigKeys.ThreadPool.setClientCached(p, true);
    return p;
  }

  /**
   * The shard's Raft client (snapshots, the leader of a failed shard, proposals to a leader outside
   * the topology): retries end after about a second, and its request window is larger than the
   * pipeline's admission limit, so a caller is never blocked waiting for a slot.
   */
  private RaftClient newClient(RaftGroup group) {
    return raftClient(group, Math.max(500, settings.tuning().requestTimeout().toMillis() / 3),
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(20, millis(50)));
  }

  /** A Raft client for admin calls that gives up after a few attempts. */
  RaftClient newAdminClient(RaftGroup group) {
    return raftClient(group, Math.max(1000, settings.tuning().requestTimeout().toMillis()),
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(2, millis(100)));
  }

  private RaftClient raftClient(RaftGroup group, long requestTimeoutMillis, org.apache.ratis.retry.RetryPolicy retry) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(settings.tuning().maxEntryBytes() + (1 << 20)));
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeoutMillis));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 4 * pipelineLimits.maxPendingProposals());
    return RaftClient.newBuilder()
        .setProperties(p)
        .setRaftGroup(group)
        .setLeaderId(null)
        .setRetryPolicy(retry)
        .build();
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
   * @throws io.edgekv.replication.storage.ShardFailedException when the shard has failed on this
   *     node or is being rebuilt (corruption found by this read fails the shard)
   */
  public <T> T read(int shard, Function<KvEngine, T> reader) {
    rebuilds.throwIfRebuilding(shard);
    return machines.get(shard).read(reader);
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
   * rebuilt ({@link io.edgekv.replication.storage.ShardFailedException}) or the disk is short of
   * space ({@link io.edgekv.replication.storage.DiskFullException}).
   */
  public void checkWritable(int shard) {
    rebuilds.throwIfRebuilding(shard);
    Optional<String> failure = machines.get(shard).failure();
    if (failure.isPresent()) {
      // UNAVAILABLE, not DATA_LOSS: refusing a write loses nothing, and another node takes it.
      throw new io.edgekv.replication.storage.ShardFailedException(shard, failure.get(), false, "");
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
    return server;
  }

  RaftGroupId groupIdOf(int shard) {
    return groups.get(shard).getGroupId();
  }

  List<RaftPeer> bootstrapPeers() {
    return List.copyOf(groups.get(0).getPeers());
  }

  Path engineDir(int shard) {
    return settings.dataDir().resolve("shard-" + shard);
  }

  boolean isLeader(int shard) {
    return "LEADER".equals(groups().get(shard).role());
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
    machineByGroup.put(groups.get(shard).getGroupId(), machine);
    RaftClient old = clients.set(shard, newClient(groups.get(shard)));
    try {
      old.close();
    } catch (IOException e) {
      LOG.warn("closing the Raft client of shard {}", shard, e);
    }
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
    return whenWritable(shard, () -> proposers.get(shard).propose(CommandCodec.encode(proposal), idempotent(proposal),
        deadline));
  }

  /** {@code write} if the shard accepts writes here now, else its refusal ({@link #checkWritable}). */
  private <T> CompletableFuture<T> whenWritable(int shard, java.util.function.Supplier<CompletableFuture<T>> write) {
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
        || proposal.command() instanceof Command.CollectTombstones;
  }

  /** {@link #submit(int, Proposal, Deadline)} with the default request timeout. */
  public CompletableFuture<CommandResult> submit(int shard, Proposal proposal) {
    return submit(shard, proposal, Deadline.after(pipelineLimits.defaultTimeout()));
  }

  /** A proposal forwarded here by another node of the region: proposed only if this node leads the shard. */
  public CompletableFuture<io.edgekv.internal.v1.ProposeResponse> proposeHere(int shard, byte[] proposal,
      Deadline deadline) {
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
   * linearizable. Fails with {@link WriteUnavailableException} without a quorum, or when this
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
            throw new WriteUnavailableException("shard " + shard + ": this replica had applied index " + reached
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
    try {
      return server.getDivision(groups.get(shard).getGroupId()).getInfo().getCurrentTerm();
    } catch (IOException e) {
      throw new WriteUnavailableException("shard " + shard + ": no Raft group here: " + e.getMessage(), e);
    }
  }

  /** {@link #readBarrier(int, Deadline)} with the default request timeout. */
  public CompletableFuture<Long> readBarrier(int shard) {
    return readBarrier(shard, Deadline.after(pipelineLimits.defaultTimeout()));
  }

  /** The highest index this replica knows to be committed in the shard's group (0 if unknown). */
  public long commitIndex(int shard) {
    try {
      return server.getDivision(groups.get(shard).getGroupId()).getRaftLog().getLastCommittedIndex();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * How far behind this replica may be, in milliseconds: 0 on the leader; on a follower, the time
   * since it last had applied everything the leader had told it was committed. Long.MAX_VALUE
   * when it has never been caught up or knows no leader.
   */
  public long stalenessMillis(int shard) {
    return freshness.get(shard).stalenessMillis();
  }

  /** Samples each shard's freshness; called periodically by the node. */
  public void sampleFreshness() {
    long now = clock.clock().millis();
    for (GroupInfo group : groups()) {
      freshness.get(group.shard()).sample(group, now);
    }
  }

  /**
   * Proposes the removal of expired entries of the shards this replica leads, at most
   * {@code maxPerShard} each, oldest first; one sweep in flight per shard. The apply removes an
   * entry only if it still has the swept version and is still expired at the proposal's time.
   */
  public void sweepExpired(int maxPerShard) {
    long now = clock.clock().millis();
    for (int shard = 0; shard < shards(); shard++) {
      // Expired means expiresAt <= now, so the index scan stops before now + 1.
      proposeFromTimeIndex(shard, sweeps, engine -> engine.expiryIndex, now + 1, maxPerShard, false,
          Command.Expire::new, "expiry sweep");
    }
  }

  /**
   * On a shard this replica leads, with no earlier proposal of the same kind in flight: scans a
   * time-ordered index ({@code millis(8) entryKey}) for entries before {@code beforeMillis} that are
   * (or, for tombstones, are not) live values, at most {@code max}, and proposes {@code command}
   * for them with the versions seen, so that apply can skip any that changed meanwhile.
   */
  private void proposeFromTimeIndex(int shard, Map<Integer, CompletableFuture<?>> inFlight,
      Function<KvEngine, io.edgekv.replication.storage.Table<byte[], byte[]>> index, long beforeMillis, int max,
      boolean tombstones, Function<List<Command.ExpireTarget>, Command> command, String what) {
    GroupInfo group = groups().get(shard);
    CompletableFuture<?> previous = inFlight.get(shard);
    if (!"LEADER".equals(group.role()) || (previous != null && !previous.isDone())) {
      return;
    }
    List<Command.ExpireTarget> targets = read(shard, engine -> {
      List<Command.ExpireTarget> found = new ArrayList<>();
      index.apply(engine).forEachFrom(null, (indexKey, unused) -> {
        long at = java.nio.ByteBuffer.wrap(indexKey).getLong();
        if (at >= beforeMillis || found.size() >= max) {
          return false;
        }
        EntryKey key = EntryKey.fromBytes(java.util.Arrays.copyOfRange(indexKey, 8, indexKey.length));
        var entry = engine.entries.get(key);
        if (entry != null && entry.getTombstone() == tombstones) {
          found.add(new Command.ExpireTarget(key.namespace(), key.key(), StoredEntries.version(entry)));
        }
        return true;
      });
      return found;
    });
    if (!targets.isEmpty()) {
      inFlight.put(shard, submit(shard, new Proposal("", 0, "", command.apply(targets))).exceptionally(error -> {
        LOG.debug("{} of shard {} not committed: {}", what, shard, error.toString());
        return null;
      }));
    }
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
    List<Long> out = new ArrayList<>();
    for (int shard = 0; shard < groups.size(); shard++) {
      RaftClientReply reply = clients.get(shard).getSnapshotManagementApi(RaftPeerId.valueOf(settings.nodeId()))
          .create(timeoutMillis);
      if (!reply.isSuccess()) {
        throw new IOException("shard " + shard + ": snapshot failed: " + reply.getException(), reply.getException());
      }
      out.add(reply.getLogIndex());
    }
    return out;
  }

  /**
   * Proposes the removal of tombstones older than {@code cutoffMillis} (HLC time) on a shard
   * this replica leads, at most {@code max}, oldest first. The caller picks the cutoff so that
   * every region has applied them, plus a grace period; apply removes a tombstone only if it is
   * still the same one.
   */
  public void collectTombstones(int shard, long cutoffMillis, int max) {
    proposeFromTimeIndex(shard, collections, engine -> engine.tombstoneIndex, cutoffMillis, max, true,
        Command.CollectTombstones::new, "tombstone collection");
  }

  /** The first index still in this replica's Raft log (greater than 1 once the log was purged). */
  public long logStartIndex(int shard) {
    try {
      return server.getDivision(groups.get(shard).getGroupId()).getRaftLog().getStartIndex();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The shard's leader as this replica knows it, or "" when it knows none. */
  public String leader(int shard) {
    try {
      return peerName(server.getDivision(groups.get(shard).getGroupId()).getInfo().getLeaderId());
    } catch (IOException e) {
      return "";
    }
  }

  /** Each shard group's state on this replica. */
  public List<GroupInfo> groups() {
    List<GroupInfo> out = new ArrayList<>();
    for (int shard = 0; shard < groups.size(); shard++) {
      RaftGroup group = groups.get(shard);
      if (shardFailure(shard).isPresent()) {
        RaftPeerId known = clients.get(shard).getLeaderId();
        String leader = known == null || known.toString().equals(settings.nodeId()) ? "" : known.toString();
        out.add(new GroupInfo(shard, group.getGroupId().getUuid().toString(), "FAILED", leader,
            machines.get(shard).appliedIndex().get(), 0, 0, List.of()));
        continue;
      }
      try {
        RaftServer.Division division = server.getDivision(group.getGroupId());
        DivisionInfo info = division.getInfo();
        out.add(new GroupInfo(shard, group.getGroupId().getUuid().toString(),
            roleName(info.getCurrentRole()), peerName(info.getLeaderId()),
            machines.get(shard).appliedIndex().get(), division.getRaftLog().getLastCommittedIndex(),
            info.getCurrentTerm(),
            division.getGroup().getPeers().stream().map(p -> p.getId().toString()).sorted().toList()));
      } catch (IOException e) {
        out.add(new GroupInfo(shard, group.getGroupId().getUuid().toString(), "UNKNOWN", "",
            machines.get(shard).appliedIndex().get(), 0, 0, List.of()));
      }
    }
    return out;
  }

  private static String peerName(RaftPeerId peer) {
    return peer == null ? "" : peer.toString();
  }

  private static String roleName(RaftPeerRole role) {
    return role == null ? "UNKNOWN" : role.name();
  }

  /** True when every shard group on this replica knows a leader. */
  public boolean everyGroupHasLeader() {
    return groups().stream().allMatch(g -> !g.leader().isEmpty());
  }

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    pipelineScheduler.shutdownNow();
    if (membership != null) {
      membership.close();
    }
    for (RaftClient client : clients) {
      try {
        client.close();
      } catch (IOException e) {
        LOG.warn("closing Raft client", e);
      }
    }
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        LOG.warn("closing Raft server", e);
      }
    }
    for (KvStateMachine machine : machines) {
      try {
        machine.close();
      } catch (IOException e) {
        LOG.warn("closing shard {}", machine.shard(), e);
      }
    }
  }
}
