package io.edgekv.replication.apply;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StoredEntries;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.WriteBatch;

/**
 * At-most-once apply of retried commands: a command with a request id records its result
 * ({@code requests}, with {@code requests_by_time} to expire the records in order), and a
 * command with a known id gets the recorded result instead of applying again. Ids are
 * remembered for {@link #RETENTION_MILLIS} of the proposals' own HLC time.
 */
final class Deduplication {
  /** How long a request id is remembered, measured on the proposals' own HLC time. */
  static final long RETENTION_MILLIS = 60 * 60 * 1000L;
  /** Ids forgotten per applied entry at most, oldest first. */
  private static final int PRUNE_BATCH = 64;
  private static final byte[] EMPTY = new byte[0];

  private final KvEngine engine;

  Deduplication(KvEngine engine) {
    this.engine = engine;
  }

  /**
   * The result recorded for {@code requestId}, if a command with it was applied (and not yet
   * forgotten): in {@code thisEntry} (results recorded earlier in the same entry, not yet written)
   * or in storage.
   */
  Optional<CommandResult> earlier(byte[] requestId, Map<ByteBuffer, CommandResult> thisEntry) {
    if (requestId.length == 0) {
      return Optional.empty();
    }
    CommandResult staged = thisEntry.get(ByteBuffer.wrap(requestId));
    if (staged != null) {
      return Optional.of(staged);
    }
    byte[] earlier = engine.requests.get(requestId);
    return earlier == null ? Optional.empty() : Optional.of(StoredEntries.decodeResult(earlier));
  }

  /** Records a command's result under its request id (none for an empty id). */
  void record(WriteBatch batch, byte[] requestId, long appliedAtMillis, CommandResult result,
      Map<ByteBuffer, CommandResult> thisEntry) {
    if (requestId.length > 0) {
      thisEntry.put(ByteBuffer.wrap(requestId), result);
      engine.requests.put(batch, requestId, result.toByteArray());
      engine.requestsByTime.put(batch, ReplicationKeys.requestTimeKey(appliedAtMillis, requestId), EMPTY);
    }
  }

  /** Forgets request ids older than the retention, a few per entry, oldest first. */
  void prune(WriteBatch batch, long nowMillis) {
    long cutoff = nowMillis - RETENTION_MILLIS;
    int[] budget = {PRUNE_BATCH};
    engine.requestsByTime.forEachFrom(null, (timeKey, unused) -> {
      if (ReplicationKeys.requestTimeMillis(timeKey) >= cutoff || budget[0]-- == 0) {
        return false;
      }
      engine.requestsByTime.delete(batch, timeKey);
      engine.requests.delete(batch, ReplicationKeys.requestTimeId(timeKey));
      return true;
    });
  }
}
