package io.edgekv.replication.raft;

import io.edgekv.replication.ReadUnavailableException;
import io.edgekv.replication.pipeline.LeaderLink;
import io.edgekv.replication.pipeline.PipelineLimits;
import io.edgekv.replication.storage.DiskSpace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region's Raft groups on this node: one Ratis server (one Raft port) hosting the S shard
 * groups, its configuration, and a Ratis client per group (snapshots, the leader of a failed
 * shard, proposals to a leader outside the topology).
 */
final class RaftGroups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftGroups.class);
  /** First election timeout (minimum; the maximum is twice it) of a group whose only member is this node. */
  private static final long FIRST_ELECTION_ALONE_MS = 50;

  private final RegionReplica.Settings settings;
  private final PipelineLimits pipelineLimits;
  private final DiskSpace diskSpace;
  private final List<RaftGroup> groups = new ArrayList<>();
  /** One per shard; a rebuilt shard gets a new one (a client that met the group missing here stays failed). */
  private final List<RaftClient> clients = new CopyOnWriteArrayList<>();
  private RaftServer server;
  /** The Raft transport's TLS and server customizer ({@link #useTls}); empty: plaintext. */
  private volatile Parameters parameters = RaftTls.parameters(null, null);

  RaftGroups(RegionReplica.Settings settings, PipelineLimits pipelineLimits, DiskSpace diskSpace) {
    this.settings = settings;
    this.pipelineLimits = pipelineLimits;
    this.diskSpace = diskSpace;
    List<RaftPeer> raftPeers = settings.peers().stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
        .toList();
    for (int shard = 0; shard < settings.shards(); shard++) {
      groups.add(RaftGroup.valueOf(groupId(settings.region(), shard), raftPeers));
    }
  }

  /** The stable group id of a region's shard, the same on every node. */
  static RaftGroupId groupId(String region, int shard) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
        ("edgekv/" + region + "/shard-" + shard).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Mutual TLS for the Raft transport (server port, appenders to peers, this node's Raft clients)
   * and an optional customizer of the Raft gRPC server (per-message identity checks). Call before
   * {@link #start}; without it the transport is plaintext.
   */
  void useTls(GrpcTlsConfig tls, GrpcServices.Customizer serverCustomizer) {
    parameters = RaftTls.parameters(tls, serverCustomizer);
  }

  /** The Ratis parameters every server and client of this node's Raft transport is built with. */
  Parameters parameters() {
    return parameters;
  }

  /** Starts the Raft server with the shards' state machines and joins (or first formats) every group. */
  void start(StateMachine.Registry machines) throws IOException {
    RaftProperties properties = serverProperties();
    cutTornTails(properties);
    server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(settings.nodeId()))
        .setProperties(properties)
        .setParameters(parameters)
        .setStateMachineRegistry(machines)
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
    }
  }

  RaftServer server() {
    return server;
  }

  List<RaftGroup> groups() {
    return groups;
  }

  RaftGroupId groupIdOf(int shard) {
    return groups.get(shard).getGroupId();
  }

  Path engineDir(int shard) {
    return settings.dataDir().resolve("shard-" + shard);
  }

  /**
   * Gives the shard a fresh Raft client: Ratis fails a client's ordered requests for good once
   * one of them met the group missing on a server, as it is while a shard is rebuilt.
   */
  void replaceClient(int shard) {
    RaftClient old = clients.set(shard, newClient(groups.get(shard)));
    try {
      old.close();
    } catch (IOException e) {
      LOG.warn("closing the Raft client of shard {}", shard, e);
    }
  }

  /**
   * The node's link to the shard's members: their internal service, or, for a member whose
   * internal address this node does not know (added at run time), the shard's Raft client.
   */
  LeaderLink viaRaftWhenUnknown(int shard, LeaderLink leaderLink) {
    return new RaftRouteLink(shard, leaderLink, () -> clients.get(shard));
  }

  /**
   * The shard's Raft client: retries end after about a second, and its request window is larger
   * than the pipeline's admission limit, so a caller is never blocked waiting for a slot.
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

  private RaftClient raftClient(RaftGroup group, long requestTimeoutMillis, RetryPolicy retry) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(settings.tuning().maxEntryBytes() + (1 << 20)));
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeoutMillis));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 4 * pipelineLimits.maxPendingProposals());
    return RaftClient.newBuilder()
        .setProperties(p)
        .setParameters(parameters)
        .setRaftGroup(group)
        .setLeaderId(null)
        .setRetryPolicy(retry)
        .build();
  }

  /** Takes a snapshot of every shard on this node now; returns the snapshot index per shard. */
  List<Long> snapshotNow(long timeoutMillis) throws IOException {
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

  /** The highest index this replica knows to be committed in the shard's group (0 if unknown). */
  long commitIndex(int shard) {
    try {
      return server.getDivision(groupIdOf(shard)).getRaftLog().getLastCommittedIndex();
    } catch (IOException e) {
      return 0;
    }
  }

  /** The first index still in this replica's Raft log (greater than 1 once the log was purged). */
  long logStartIndex(int shard) {
    try {
      return server.getDivision(groupIdOf(shard)).getRaftLog().getStartIndex();
    } catch (IOException e) {
      return -1;
    }
  }

  /** This node's current Raft term in the shard's group. */
  long term(int shard) {
    try {
      return server.getDivision(groupIdOf(shard)).getInfo().getCurrentTerm();
    } catch (IOException e) {
      throw new ReadUnavailableException("shard " + shard + ": no Raft group here: " + e.getMessage(), e);
    }
  }

  /** The shard's leader as this replica knows it, or "" when it knows none. */
  String leader(int shard) {
    try {
      return peerName(server.getDivision(groupIdOf(shard)).getInfo().getLeaderId());
    } catch (IOException e) {
      return "";
    }
  }

  /** This replica's last proof that its view of the shard's group was current ({@link LeaderContact}). */
  LeaderContact.Proof contact(int shard) {
    try {
      RaftServer.Division division = server.getDivision(groupIdOf(shard));
      RaftConfiguration conf = division.getRaftConf();
      RoleInfoProto role = division.getInfo().getRoleInfoProto();
      Map<RaftPeerId, Long> commits = new HashMap<>();
      for (CommitInfoProto commit : division.getCommitInfos()) {
        commits.put(RaftPeerId.valueOf(commit.getServer().getId()), commit.getCommitIndex());
      }
      return LeaderContact.of(role, division.getId(), conf.getCurrentPeers().stream().map(RaftPeer::getId).toList(),
          conf.getPreviousPeers().stream().map(RaftPeer::getId).toList(), commits, termCommitted(division));
    } catch (IOException | RuntimeException e) {
      return LeaderContact.Proof.NONE; // closed or closing: no proof
    }
  }

  /**
   * Whether the division has committed an entry of its current term: on a leader Ratis'
   * leader-ready; elsewhere the term of the entry at its commit index (from the latest snapshot
   * when that entry was purged).
   */
  private static boolean termCommitted(RaftServer.Division division) {
    DivisionInfo info = division.getInfo();
    if (info.isLeader()) {
      return info.isLeaderReady();
    }
    long committed = division.getRaftLog().getLastCommittedIndex();
    TermIndex entry = division.getRaftLog().getTermIndex(committed);
    if (entry == null) {
      SnapshotInfo snapshot = division.getStateMachine().getLatestSnapshot();
      entry = snapshot != null && snapshot.getIndex() == committed ? snapshot.getTermIndex() : null;
    }
    return entry != null && entry.getTerm() == info.getCurrentTerm();
  }

  /** The shard group's state on this replica; {@code failed} when the shard failed here. */
  GroupInfo info(int shard, long appliedIndex, boolean failed) {
    String id = groupIdOf(shard).getUuid().toString();
    if (failed) {
      RaftPeerId known = clients.get(shard).getLeaderId();
      String leader = known == null || known.toString().equals(settings.nodeId()) ? "" : known.toString();
      return new GroupInfo(shard, id, GroupInfo.Role.FAILED, leader, appliedIndex, 0, 0, List.of());
    }
    try {
      RaftServer.Division division = server.getDivision(groupIdOf(shard));
      DivisionInfo info = division.getInfo();
      return new GroupInfo(shard, id, GroupInfo.Role.of(info.getCurrentRole()), peerName(info.getLeaderId()),
          appliedIndex, division.getRaftLog().getLastCommittedIndex(), info.getCurrentTerm(),
          division.getGroup().getPeers().stream().map(p -> p.getId().toString()).sorted().toList());
    } catch (IOException e) {
      return new GroupInfo(shard, id, GroupInfo.Role.UNKNOWN, "", appliedIndex, 0, 0, List.of());
    }
  }

  private static String peerName(RaftPeerId peer) {
    return peer == null ? "" : peer.toString();
  }

  /**
   * Cuts the frame a power cut tore off the end of each group's open log segment ({@link TornTail}):
   * never acknowledged, it would otherwise stop the node from starting.
   */
  private void cutTornTails(RaftProperties properties) throws IOException {
    int maxEntry = RaftServerConfigKeys.Log.Appender.bufferByteLimit(properties).getSizeInt();
    for (RaftGroup group : groups) {
      Path current = settings.dataDir().resolve("raft").resolve(group.getGroupId().getUuid().toString()).resolve("current");
      for (TornTail.Cut cut : TornTail.repair(current, maxEntry)) {
        LOG.warn("Raft log of node {}, group {}: {}", settings.nodeId(), group.getGroupId(), cut);
      }
    }
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
      Path groupDir = settings.dataDir().resolve("raft").resolve(groupIdOf(shard).getUuid().toString());
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
    if (settings.peers().size() == 1 && !settings.join()) {
      // A region of one node has nobody to wait for: it elects itself at once rather than after a
      // full election timeout (1-2 s of an empty node's time to ready). Groups of several keep the
      // timeout for their first election too (no early campaigns beside a live leader's lease).
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, millis(FIRST_ELECTION_ALONE_MS));
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, millis(2 * FIRST_ELECTION_ALONE_MS));
    }
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

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
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
  }
}
