package io.edgekv.replication.apply;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.List;
import org.rocksdb.WriteBatch;

/**
 * The region's changelog ({@code changelog}: the change events of each applied entry, by index
 * and ordinal), from which Watch streams resume. It keeps the last {@link #RETENTION} indexes;
 * the trim is a function of the index alone, so every replica keeps the same ones.
 */
final class Changelog {
  /** Changelog entries (Raft indexes) kept for Watch resume. */
  static final long RETENTION = 100_000;
  /** The trim runs on every 1024th index. */
  private static final long TRIM_EVERY = 1024;

  private final KvEngine engine;

  Changelog(KvEngine engine) {
    this.engine = engine;
  }

  /** Adds an entry's events to its batch, and trims the oldest entries now and then. */
  void write(WriteBatch batch, long index, List<ChangeEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      engine.changelog.put(batch, ReplicationKeys.changelogKey(index, i), events.get(i).toByteArray());
    }
    if (index % TRIM_EVERY == 0 && index > RETENTION) {
      engine.changelog.deleteRange(batch, ReplicationKeys.changelogKey(0, 0),
          ReplicationKeys.changelogKey(index - RETENTION, 0));
    }
  }
}
