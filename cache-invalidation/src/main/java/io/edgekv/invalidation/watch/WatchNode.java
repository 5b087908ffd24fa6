package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.ServedBy;

/** What a Watch stream tells its subscriber about the node serving it. */
public interface WatchNode {
  /** Which node, region and applied position serve the stream (consistency EVENTUAL). */
  ServedBy servedBy();

  /**
   * How far behind its leaders this node may be, over all shards, in milliseconds; -1 when it
   * knows no leader for some shard.
   */
  long stalenessMillis();
}
