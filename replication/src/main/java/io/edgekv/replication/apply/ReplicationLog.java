package io.edgekv.replication.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.WriteBatch;

/**
 * The shard's replication log ({@code replog}: every mutation by origin and sequence, for
 * shipping and relaying) and its version vector ({@code repl_meta}: per origin, the highest
 * contiguous sequence applied).
 *
 * <p>The vector lives in memory as well: loaded once when the engine opens, changed by apply
 * and persisted in the apply's batch, and published to readers only after that batch is written
 * ({@link #published()}), so no read scans RocksDB for it. Apply runs on one thread at a time.
 *
 * <p>Trimming the log is not apply's business (its retention is node configuration, DESIGN
 * section 12): {@link #trim} is called outside apply, by the replica's housekeeping.
 */
final class ReplicationLog {
  private final KvEngine engine;
  /** What readers see: the vector as of the last written batch; never mutated once published. */
  private volatile Map<String, Long> published;
  /** This apply's view: the published vector plus the origins it advanced. */
  private final Map<String, Long> changed = new HashMap<>();
  /** Per origin, the sequence up to which {@link #trim} has deleted the log. */
  private final Map<String, Long> trimmed = new ConcurrentHashMap<>();
  /**
   * Per origin, the origin's stamp of the last mutation applied in sequence (0: unknown): every
   * mutation of that origin stamped at or below it has been applied (docs/replication.md,
   * tombstone collection). Published like the vector; never mutated once published.
   */
  private volatile Map<String, Long> publishedStamps;
  private final Map<String, Long> changedStamps = new HashMap<>();
  /** The stamp of the last applied log entry (0 when none was recorded). */
  private volatile long entryStamp;

  ReplicationLog(KvEngine engine) {
    this.engine = engine;
    this.published = Map.copyOf(ReplicationKeys.versionVector(engine));
    Map<String, Long> stamps = new HashMap<>();
    published.forEach((origin, seq) -> {
      byte[] last = engine.replog.get(ReplicationKeys.logKey(origin, seq));
      if (last != null) {
        try {
          stamps.put(origin, Mutation.parseFrom(last).getStampedHlc());
        } catch (InvalidProtocolBufferException e) {
          // unknown: this origin's stamp is learned again from its next mutation
        }
      }
    });
    this.publishedStamps = Map.copyOf(stamps);
    this.entryStamp = engine.appliedPosition().getStamp();
  }

  /** Starts an apply: forgets what an earlier, unwritten one changed. */
  void begin() {
    changed.clear();
    changedStamps.clear();
  }

  /** What this apply has changed so far: {@link #reset} returns to it (a command rolled back). */
  Map<String, Long> mark() {
    return new HashMap<>(changed);
  }

  /** Forgets what this apply changed after {@code mark} was taken. */
  void reset(Map<String, Long> mark) {
    changed.clear();
    changed.putAll(mark);
  }

  /** The highest contiguous sequence from {@code origin} as of this apply. */
  long seq(String origin) {
    Long mine = changed.get(origin);
    return mine != null ? mine : published.getOrDefault(origin, 0L);
  }

  void setSeq(String origin, long seq) {
    changed.put(origin, seq);
  }

  /** Gives a locally made mutation the next sequence number of this region and logs it. */
  void logLocal(ApplyContext ctx, Mutation.Builder m) {
    String origin = ctx.proposal.originRegion();
    logRemote(ctx, m.setFormat(1).setOriginRegion(origin).setSeq(seq(origin) + 1).setStampedHlc(ctx.proposal.hlc())
        .build());
  }

  /** Keeps a mutation in the replication log (for shipping and relaying) and advances the vector. */
  void logRemote(ApplyContext ctx, Mutation m) {
    engine.replog.put(ctx.batch, ReplicationKeys.logKey(m.getOriginRegion(), m.getSeq()), m.toByteArray());
    setSeq(m.getOriginRegion(), m.getSeq());
    changedStamps.put(m.getOriginRegion(), m.getStampedHlc());
  }

  /** Adds the vector's changes to the apply's batch. */
  void flush(WriteBatch batch) {
    changed.forEach((origin, seq) -> ReplicationKeys.writeSeq(engine, batch, origin, seq));
  }

  /**
   * After the apply's batch is written: readers see the advanced vector, then the stamps of the
   * entry ({@code stamp}, 0 for one without a proposal) and of the mutations it applied. The vector
   * goes first, so that a reader of {@link #entryStamp} then of the vector sees a vector at least
   * as new as that entry.
   */
  void publish(long stamp) {
    if (!changed.isEmpty()) {
      // A fresh map each time, never mutated after this (readers keep the one they got): one copy,
      // not two as a copy into an immutable map would make (this runs after every apply).
      Map<String, Long> next = new HashMap<>(published);
      next.putAll(changed);
      published = Collections.unmodifiableMap(next);
      changed.clear();
    }
    if (!changedStamps.isEmpty()) {
      Map<String, Long> next = new HashMap<>(publishedStamps);
      next.putAll(changedStamps);
      publishedStamps = Collections.unmodifiableMap(next);
      changedStamps.clear();
    }
    if (stamp > entryStamp) {
      entryStamp = stamp;
    }
  }

  /** The vector as of the last written batch (immutable). */
  Map<String, Long> published() {
    return published;
  }

  /** Per origin, the stamp of its last mutation applied in sequence, as of the last written batch (immutable). */
  Map<String, Long> stamps() {
    return publishedStamps;
  }

  /** The stamp of the last applied log entry, 0 when none was recorded. */
  long entryStamp() {
    return entryStamp;
  }

  /**
   * Deletes each origin's log entries older than its newest {@code retention}, in one range
   * delete per origin, written at once. Called by one thread (the replica's housekeeping).
   */
  void trim(long retention) {
    try (WriteBatch batch = new WriteBatch()) {
      Map<String, Long> upTo = new HashMap<>();
      published.forEach((origin, seq) -> {
        long before = seq - retention;
        long done = trimmed.getOrDefault(origin, 0L);
        // Trim in steps of at least a tenth of the retention: each range delete costs reads.
        if (before > done && before - done >= Math.max(1, retention / 10)) {
          engine.replog.deleteRange(batch, ReplicationKeys.logKey(origin, 0), ReplicationKeys.logKey(origin, before + 1));
          upTo.put(origin, before);
        }
      });
      if (!upTo.isEmpty()) {
        engine.write(batch);
        trimmed.putAll(upTo);
      }
    }
  }
}
