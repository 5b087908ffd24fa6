package io.edgekv.node.security;

import io.edgekv.replication.raft.BackgroundReEncryption;
import io.edgekv.replication.raft.RegionReplica;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background re-encryption on this node (docs/security.md): every {@link #ROUND_MILLIS} it asks
 * the replica to re-seal, under the current keys, records that rest under an older data or master
 * key, at most {@link #BYTES_PER_SECOND} a second in all, and keeps the count still to do for the
 * status page and the {@code edgekv.security.records.under.old.keys} gauge. Its own thread: the
 * count at the start of a pass reads every sealed record's header, which must not hold up the
 * node's tick.
 */
public final class ReEncryptionTask implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReEncryptionTask.class);
  /** Re-sealed bytes per second at most (a rotation's work spreads out instead of competing with clients). */
  public static final long BYTES_PER_SECOND = 4L << 20;
  static final long ROUND_MILLIS = 100;

  private final RegionReplica replica;
  private final ScheduledExecutorService executor;
  private final AtomicLong remaining = new AtomicLong();

  private ReEncryptionTask(RegionReplica replica, String nodeId) {
    this.replica = replica;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "reencrypt-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts re-encrypting {@code replica}'s shards in the background. */
  public static ReEncryptionTask start(RegionReplica replica, String nodeId) {
    ReEncryptionTask task = new ReEncryptionTask(replica, nodeId);
    task.executor.scheduleWithFixedDelay(task::round, ROUND_MILLIS, ROUND_MILLIS, TimeUnit.MILLISECONDS);
    return task;
  }

  private void round() {
    try {
      long before = remaining.get();
      long now = BackgroundReEncryption.round(replica, BYTES_PER_SECOND * ROUND_MILLIS / 1000);
      remaining.set(now);
      if (before > 0 && now == 0) {
        LOG.info("re-encryption: every record rests under the current keys");
      }
    } catch (RuntimeException e) {
      LOG.warn("re-encryption round failed: {}", e.toString());
    }
  }

  /** Records of this node's shards still under an older key (as of the last round). */
  public long remaining() {
    return remaining.get();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
