package io.edgekv.replication.raft;

import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What cross-region shipping needs of this node's replica of its region: who it is, its clock,
 * which shards it leads, and reads of a shard's applied state. A Raft replica on a real node
 * ({@link RegionReplica}); a simulated PoP in the deterministic simulation.
 */
public interface ReplicaView {
  String region();

  String nodeId();

  /** The HLC this replica stamps and observes with; its physical clock is the shipper's time source. */
  HybridClock clock();

  /** Every shard group of this replica, with this node's role in it ({@link GroupInfo.Role#LEADER} for the ones it leads). */
  List<GroupInfo> groups();

  /** Runs {@code reader} against a shard's applied state. */
  <T> T read(int shard, Function<KvEngine, T> reader);

  /**
   * The shard's version vector: origin region to the highest contiguous sequence applied. By
   * default read from storage; a replica that keeps it in memory ({@link RegionReplica}) serves
   * it from there.
   */
  default Map<String, Long> versionVector(int shard) {
    return read(shard, ReplicationKeys::versionVector);
  }

  /**
   * What the shard has applied in the origins' stamps (tombstone collection). By default nothing
   * is known, which lets no tombstone be collected.
   */
  default AppliedStamps appliedStamps(int shard) {
    return AppliedStamps.NONE;
  }
}
