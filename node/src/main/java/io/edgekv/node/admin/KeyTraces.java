package io.edgekv.node.admin;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.StoredEntries;

/** This node's copy of one key, for {@code edgekv admin trace}. */
public final class KeyTraces {
  private final RegionReplica replica;

  public KeyTraces(RegionReplica replica) {
    this.replica = replica;
  }

  public KeyTrace local(TraceRequest request) {
    String namespace = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
    byte[] key = request.getKey().toByteArray();
    int shard = replica.shardOf(namespace, key);
    StoredEntry stored = replica.reads().entry(shard, new EntryKey(namespace, key));
    long now = replica.clock().clock().millis();
    KeyTrace.Builder out = KeyTrace.newBuilder()
        .setNode(replica.nodeId())
        .setRegion(replica.region())
        .setReachable(true)
        .setAppliedIndex(replica.appliedIndex(shard).get())
        .setAsOfHlc(replica.clock().peek());
    if (stored != null) {
      out.setVersion(StoredEntries.version(stored).toProto())
          .setDigest(stored.getDigest())
          .setExpiresAtUnixMs(stored.getExpiresAtUnixMs())
          .setFound(StoredEntries.isLive(stored, now))
          .setDeleted(!StoredEntries.isLive(stored, now));
    }
    return out.build();
  }

  static KeyTrace unreachable(String node, String region, String error) {
    return KeyTrace.newBuilder().setNode(node).setRegion(region).setReachable(false).setError(error)
        .setDigest(ByteString.EMPTY).build();
  }
}
