package io.edgekv.node.admin;

import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.node.Readiness;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.RegionReplica;
import java.util.List;
import java.util.function.LongSupplier;

/** This node's own status, as reported to the admin API and to peers asking for the fleet view. */
public final class LocalStatus {
  private final NodeConfig config;
  private final RegionReplica replica;
  private final Readiness readiness;
  private final LongSupplier recordsUnderOldKeys;

  public LocalStatus(NodeConfig config, RegionReplica replica, Readiness readiness) {
    this(config, replica, readiness, () -> 0);
  }

  /** @param recordsUnderOldKeys what background re-encryption has left to do */
  public LocalStatus(NodeConfig config, RegionReplica replica, Readiness readiness, LongSupplier recordsUnderOldKeys) {
    this.config = config;
    this.replica = replica;
    this.readiness = readiness;
    this.recordsUnderOldKeys = recordsUnderOldKeys;
  }

  public NodeStatus get() {
    List<String> reasons = readiness.notReadyReasons();
    NodeStatus.Builder out = NodeStatus.newBuilder()
        .setId(config.nodeId())
        .setRegion(config.region().name())
        .setReady(reasons.isEmpty())
        .addAllNotReadyReasons(reasons)
        .addAllDegradedReasons(readiness.degradedReasons())
        .setAlive(readiness.livenessFailures().isEmpty())
        .addAllLivenessFailures(readiness.livenessFailures())
        .setPublicAddress(config.self().publicAddress())
        .setHttpAddress(config.self().httpAddress())
        .setReachable(true)
        .setDraining(readiness.draining())
        .setRecordsUnderOldKeys(recordsUnderOldKeys.getAsLong());
    for (GroupInfo group : replica.groups()) {
      out.addGroups(GroupStatus.newBuilder()
          .setShard(group.shard())
          .setGroupId(group.groupId())
          .setRole(group.role().name())
          .setLeader(group.leader())
          .setAppliedIndex(group.appliedIndex())
          .setCommitIndex(group.commitIndex())
          .setTerm(group.term())
          .addAllPeers(group.peers())
          .setFailure(replica.shardFailure(group.shard()).orElse("")));
    }
    return out.build();
  }
}
