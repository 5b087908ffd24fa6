package io.edgekv.replication.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.WriteBatch;

/**
 * Background re-encryption of one shard's engine (DESIGN section 10, docs/security.md): after a
 * namespace's data key is rotated, or a new master key put first, the records that rest under an
 * older key (or under none, written before encryption was turned on) are re-sealed under the
 * current one, and data keys an older master key wraps are re-wrapped. It is local to the replica:
 * no Raft proposal, no change event, nothing replicated. The plain bytes stay the same, so
 * versions, HLCs and digests, and so anti-entropy, do not change.
 *
 * <p>A pass counts the stale records of every sealed table ({@link #remaining}), then walks them
 * from a cursor in steps: {@link #find} (no lock; reads only headers, decrypts nothing) picks the
 * next stale keys within a budget, and {@link #reseal}, which the caller runs under the lock apply
 * holds, re-reads each one and re-seals it only if it is still stale, all in one batch, so a newer
 * value apply wrote meanwhile is never replaced by the older one. A pass that re-sealed anything
 * is followed by a counting pass; then it idles until a namespace's current key changes ({@link
 * AtRest#generation}). One caller at a time.
 */
public final class ReEncryption {
  /** The next records to re-seal, with their stored size; {@code rewrapKeys}: re-wrap data keys too. */
  public record Step(List<Target> targets, long bytes, boolean rewrapKeys) {
    static final Step NONE = new Step(List.of(), 0, false);

    public boolean isEmpty() {
      return targets.isEmpty() && !rewrapKeys;
    }
  }

  /** A stale record: its table and raw key. */
  public record Target(Table<?, ?> table, byte[] key) {}

  private final KvEngine engine;
  private final List<Table<?, ?>> tables;
  private final AtomicLong remaining = new AtomicLong();
  private final AtomicLong resealed = new AtomicLong();
  private long seenGeneration = -1;
  private boolean passOpen;
  private boolean workInPass;
  private boolean again;
  private int table;
  private byte[] cursor;

  public ReEncryption(KvEngine engine) {
    this.engine = engine;
    this.tables = List.<Table<?, ?>>of(engine.entries, engine.requests, engine.replog, engine.changelog).stream()
        .filter(Table::sealed).toList();
  }

  /**
   * The next stale records from the cursor, at most {@code maxRecords} and about {@code maxBytes}
   * (at least one); empty when there is nothing to do. Starting a pass counts the stale records
   * and asks for the data keys to be re-wrapped.
   */
  public Step find(int maxRecords, long maxBytes) {
    if (tables.isEmpty()) {
      return Step.NONE;
    }
    boolean starting = false;
    if (!passOpen) {
      long generation = engine.atRest().generation();
      if (generation == seenGeneration && !again) {
        return Step.NONE;
      }
      seenGeneration = generation;
      again = false;
      long count = countStale();
      remaining.set(count);
      passOpen = count > 0;
      starting = true;
      table = 0;
      cursor = null;
      workInPass = false;
      if (!passOpen) {
        return new Step(List.of(), 0, true);
      }
    }
    List<Target> found = new ArrayList<>();
    long[] bytes = {0};
    while (table < tables.size() && found.size() < maxRecords && bytes[0] < maxBytes) {
      Table<?, ?> t = tables.get(table);
      byte[][] last = {null};
      boolean[] stopped = {false};
      t.forEachStoredFrom(cursor, (key, size, stale) -> {
        if (found.size() >= maxRecords || bytes[0] >= maxBytes) {
          stopped[0] = true;
          return false;
        }
        last[0] = key;
        if (stale) {
          found.add(new Target(t, key));
          bytes[0] += size;
        }
        return true;
      });
      if (stopped[0]) {
        cursor = after(last[0]);
      } else {
        table++;
        cursor = null;
      }
    }
    if (table >= tables.size()) {
      passOpen = false;
      again = workInPass || !found.isEmpty();
    }
    workInPass |= !found.isEmpty();
    return new Step(found, bytes[0], starting);
  }

  /**
   * Re-seals what {@code step} found, in one batch. The caller holds the lock apply holds (each
   * record is re-read and re-sealed only if still stale). Returns how many records it re-sealed.
   */
  public int reseal(Step step) {
    try (WriteBatch batch = new WriteBatch()) {
      if (step.rewrapKeys()) {
        DataKeyring.rewrap(engine.replMeta, engine.atRest(), batch);
      }
      int records = 0;
      for (Target target : step.targets()) {
        if (target.table().reseal(batch, target.key())) {
          records++;
        }
      }
      if (batch.count() > 0) {
        engine.write(batch);
      }
      int done = records;
      remaining.updateAndGet(left -> Math.max(0, left - done));
      resealed.addAndGet(records);
      return records;
    }
  }

  /** Records still under an older key, as of the last count less those re-sealed since. */
  public long remaining() {
    return remaining.get();
  }

  /** Records this engine has re-sealed since it was opened. */
  public long resealed() {
    return resealed.get();
  }

  /** Counts the stale records of every sealed table (headers only). */
  public long countStale() {
    long[] count = {0};
    for (Table<?, ?> t : tables) {
      t.forEachStoredFrom(null, (key, size, stale) -> {
        if (stale) {
          count[0]++;
        }
        return true;
      });
    }
    return count[0];
  }

  /** The smallest key after {@code key} (the scan from it is inclusive). */
  private static byte[] after(byte[] key) {
    return key == null ? null : Arrays.copyOf(key, key.length + 1);
  }
}
