package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.RegionPurgeStatus;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

/**
 * A region's receipt of a purge, from this replica's purge receipts (replicated state: every
 * replica of the region holds the same receipts once it has applied the purge).
 *
 * <p>A key purge is proposed to the key's shard only; a prefix or tag purge to every shard
 * (each shard purges its own keys), so it is applied in the region once every shard has it.
 */
public final class PurgeReceipts {
  private PurgeReceipts() {}

  /** @param hlcMillis the wall-clock milliseconds of a hybrid logical clock time (the store's clock format) */
  public static RegionPurgeStatus local(ChangelogSource changelog, String purgeId, LongUnaryOperator hlcMillis) {
    int shards = changelog.shards();
    int applied = 0;
    boolean keyPurge = false;
    long hlc = 0;
    long index = 0;
    for (int shard = 0; shard < shards; shard++) {
      Optional<ChangeEvent> found = changelog.purgeReceipt(shard, purgeId);
      if (found.isEmpty()) {
        continue;
      }
      ChangeEvent receipt = found.get();
      applied++;
      keyPurge |= receipt.getPurgePrefix().isEmpty() && receipt.getPurgeTag().isEmpty();
      hlc = Math.max(hlc, receipt.getVersion().getHlc());
      index = Math.max(index, receipt.getIndex());
    }
    boolean complete = applied > 0 && (keyPurge || applied == shards);
    RegionPurgeStatus.Builder out = RegionPurgeStatus.newBuilder().setRegion(changelog.region())
        .setNode(changelog.nodeId()).setApplied(complete).setShards(keyPurge ? 1 : shards).setShardsApplied(applied);
    if (complete) {
      out.setAppliedAtHlc(hlc).setAppliedAtUnixMs(hlcMillis.applyAsLong(hlc)).setIndex(index);
    }
    return out.build();
  }
}
