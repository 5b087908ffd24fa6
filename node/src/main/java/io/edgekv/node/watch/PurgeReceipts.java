package io.edgekv.node.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.RegionPurgeStatus;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.RegionReplica;
import java.nio.charset.StandardCharsets;

/**
 * A region's receipt of a purge, from this replica's {@code purge_receipts} (replicated state:
 * every replica of the region holds the same receipts once it has applied the purge).
 *
 * <p>A key purge is proposed to the key's shard only; a prefix or tag purge to every shard
 * (each shard purges its own keys), so it is applied in the region once every shard has it.
 */
public final class PurgeReceipts {
  private PurgeReceipts() {}

  public static RegionPurgeStatus local(RegionReplica replica, String purgeId) {
    byte[] id = purgeId.getBytes(StandardCharsets.UTF_8);
    int shards = replica.shards();
    int applied = 0;
    boolean keyPurge = false;
    long hlc = 0;
    long index = 0;
    for (int shard = 0; shard < shards; shard++) {
      byte[] bytes = replica.read(shard, engine -> engine.purgeReceipts.get(id));
      if (bytes == null) {
        continue;
      }
      ChangeEvent receipt;
      try {
        receipt = ChangeEvent.parseFrom(bytes);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new io.edgekv.replication.storage.StorageException("corrupt purge receipt " + purgeId, e);
      }
      applied++;
      keyPurge |= receipt.getPurgePrefix().isEmpty() && receipt.getPurgeTag().isEmpty();
      hlc = Math.max(hlc, receipt.getVersion().getHlc());
      index = Math.max(index, receipt.getIndex());
    }
    boolean complete = applied > 0 && (keyPurge || applied == shards);
    RegionPurgeStatus.Builder out = RegionPurgeStatus.newBuilder().setRegion(replica.region())
        .setNode(replica.nodeId()).setApplied(complete).setShards(keyPurge ? 1 : shards).setShardsApplied(applied);
    if (complete) {
      out.setAppliedAtHlc(hlc).setAppliedAtUnixMs(HybridClock.physicalMillis(hlc)).setIndex(index);
    }
    return out.build();
  }
}
