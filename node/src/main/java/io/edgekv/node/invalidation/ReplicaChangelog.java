package io.edgekv.node.invalidation;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.ServedBy;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.invalidation.watch.ChangelogSource;
import io.edgekv.invalidation.watch.WatchNode;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.read.ChangelogReads;
import io.edgekv.replication.storage.StoredEntries;
import java.util.Optional;

/**
 * Watch's view of this node's replica: the invalidation module's {@link ChangelogSource} and
 * {@link WatchNode} over replication's {@link ChangelogReads} and the replica's applied
 * positions, staleness and clock. The node's only bridge between the two modules for Watch.
 */
public final class ReplicaChangelog implements ChangelogSource, WatchNode {
  private final RegionReplica replica;
  private final ChangelogReads reads;

  public ReplicaChangelog(RegionReplica replica) {
    this.replica = replica;
    this.reads = new ChangelogReads(replica);
  }

  @Override
  public String region() {
    return replica.region();
  }

  @Override
  public String nodeId() {
    return replica.nodeId();
  }

  @Override
  public int shards() {
    return replica.shards();
  }

  @Override
  public long appliedIndex(int shard) {
    return replica.appliedIndex(shard).get();
  }

  @Override
  public boolean changesAfter(int shard, long after, ChangeVisitor visitor) {
    return reads.changesAfter(shard, after, visitor::visit);
  }

  @Override
  public Optional<ChangeEvent> purgeReceipt(int shard, String purgeId) {
    return reads.purgeReceipt(shard, purgeId);
  }

  @Override
  public Optional<Entry> entryWritten(ChangeEvent put) {
    return reads.entryWritten(put.getShard(), put).map(stored -> toEntry(put.getKey(), stored));
  }

  private static Entry toEntry(ByteString key, StoredEntry stored) {
    return Entry.newBuilder().setKey(key).setValue(stored.getValue())
        .setVersion(StoredEntries.version(stored).toProto()).putAllMetadata(stored.getMetadataMap())
        .addAllTags(stored.getTagsList()).setExpiresAtUnixMs(stored.getExpiresAtUnixMs())
        .setDigest(stored.getDigest()).setStale(stored.getStale()).build();
  }

  @Override
  public ServedBy servedBy() {
    return ServedBy.newBuilder().setNode(replica.nodeId()).setRegion(replica.region())
        .setConsistency(Consistency.EVENTUAL).setAppliedIndex(replica.appliedIndex(0).get())
        .setAsOfHlc(replica.clock().peek()).build();
  }

  @Override
  public long stalenessMillis() {
    long worst = 0;
    for (int shard = 0; shard < replica.shards(); shard++) {
      long staleness = replica.stalenessMillis(shard);
      if (staleness == Long.MAX_VALUE) {
        return -1;
      }
      worst = Math.max(worst, staleness);
    }
    return worst;
  }
}
