package io.edgekv.replication.raft;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rounds of background re-encryption over a replica's shards ({@link KvStateMachine#reencrypt},
 * {@code ReEncryption}): local upkeep, not part of apply, called periodically by the node.
 */
public final class BackgroundReEncryption {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundReEncryption.class);
  /** Records re-sealed in one batch at most (the batch is written under the apply lock, so apply never waits long). */
  static final int RESEAL_BATCH = 256;

  private BackgroundReEncryption() {}

  /**
   * One round over the healthy shards of {@code replica}, re-sealing about {@code maxBytes} in all;
   * returns the records still under older keys.
   */
  public static long round(RegionReplica replica, long maxBytes) {
    long budget = maxBytes;
    long remaining = 0;
    for (int shard = 0; shard < replica.shards(); shard++) {
      if (replica.shardFailure(shard).isEmpty()) {
        try {
          KvStateMachine machine = replica.machine(shard);
          if (budget > 0) {
            budget -= machine.reencrypt(RESEAL_BATCH, budget);
          }
          remaining += machine.recordsUnderOldKeys();
        } catch (RuntimeException e) {
          LOG.debug("shard {} not re-encrypted: {}", shard, e.toString());
        }
      }
    }
    return remaining;
  }
}
