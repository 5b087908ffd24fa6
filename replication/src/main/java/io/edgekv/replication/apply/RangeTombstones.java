package io.edgekv.replication.apply;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StorageException;
import io.edgekv.replication.storage.StoredEntries;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Purges and the rule they carry (DESIGN section 12): a put with version v on a key is dead if a
 * matching purge record (prefix or tag, in {@code purges}) has a version greater than v, on
 * every path (local, remote, repair). A purge by key is a tombstone; a soft purge flags entries
 * stale and records nothing. Each purge with an id leaves a receipt ({@code purge_receipts}).
 */
final class RangeTombstones {
  private final KvEngine engine;
  private final Entries entries;
  private final Indexes indexes;

  RangeTombstones(KvEngine engine, Entries entries, Indexes indexes) {
    this.engine = engine;
    this.entries = entries;
    this.indexes = indexes;
  }

  /** Writes a value entry unless a purge newer than it matches (a late write must not resurrect purged data). */
  void putUnlessPurged(ApplyContext ctx, EntryKey key, StoredEntry existing, StoredEntry entry) {
    Version version = StoredEntries.version(entry);
    if (purgedAfter(ctx, key, entry.getTagsList(), version)) {
      // Dead on arrival, but still newer than what the key holds: the key keeps a tombstone of the
      // write's version, as a replica that got the write before the purge does. Else an older
      // value stays live, or (with nothing or an older tombstone there) arrives later and is
      // live where every other replica holds the newer write's tombstone. Both found by the
      // deterministic simulation (docs/simulation.md). Not for counters (their merge differs).
      boolean older = existing == null || StoredEntries.version(existing).compareTo(version) < 0;
      if (older && (existing != null || !entry.getCounter())) {
        entries.putTombstone(ctx, key, existing, version);
        if (existing != null && !existing.getTombstone()) {
          ctx.emit(Entries.event(key, version, ChangeKind.DELETE, existing.getTagsList()));
        }
      }
      return;
    }
    entries.put(ctx, key, existing, entry);
    ctx.emit(Entries.event(key, version, ChangeKind.PUT, entry.getTagsList()));
  }

  /** Applies a purge with {@code version}: records it, tombstones or flags what it matches, and emits it. */
  void apply(ApplyContext ctx, Command.Purge purge, Version version) {
    String ns = purge.namespace();
    ChangeEvent.Builder event = ChangeEvent.newBuilder().setNamespace(ns).setVersion(version.toProto())
        .setKind(ChangeKind.PURGE).setSoft(purge.soft()).setPurgeId(purge.purgeId());
    List<EntryKey> matching = new ArrayList<>();
    switch (purge.selector()) {
      case Command.PurgeSelector.Key k -> {
        event.setKey(ByteString.copyFrom(k.key()));
        matching.add(new EntryKey(ns, k.key()));
      }
      case Command.PurgeSelector.Prefix p -> {
        event.setPurgePrefix(ByteString.copyFrom(p.prefix()));
        if (!purge.soft()) {
          record(ctx, ReplicationKeys.prefixPurgeKey(ns, p.prefix()), version);
        }
        matching.addAll(entries.keysWithPrefix(ctx, ns, p.prefix()));
      }
      case Command.PurgeSelector.Tag t -> {
        event.setPurgeTag(t.tag());
        if (!purge.soft()) {
          record(ctx, ReplicationKeys.tagPurgeKey(ns, t.tag()), version);
        }
        indexes.forEachTagged(ns, t.tag(), matching::add);
        // The tag index holds what is committed; a put earlier in this same entry (a remote batch
        // carrying a put and then a purge of its tag) is only in the batch. Found by the
        // deterministic simulation (docs/simulation.md).
        ctx.stagedEntries.forEach((key, staged) -> {
          if (key.namespace().equals(ns) && staged.isPresent() && staged.get().getTagsList().contains(t.tag())
              && !matching.contains(key)) {
            matching.add(key);
          }
        });
      }
    }
    for (EntryKey key : matching) {
      StoredEntry existing = entries.get(ctx, key);
      boolean older = existing == null || StoredEntries.version(existing).compareTo(version) < 0;
      if (!older) {
        continue;
      }
      if (purge.selector() instanceof Command.PurgeSelector.Tag t && existing != null
          && !existing.getTagsList().contains(t.tag())) {
        continue; // indexed under the tag when committed, rewritten without it earlier in this entry
      }
      if (purge.soft()) {
        if (existing != null && !existing.getTombstone() && !existing.getStale()) {
          entries.markStale(ctx, key, existing);
        }
      } else if (purge.selector() instanceof Command.PurgeSelector.Tag && existing != null) {
        // A tag purge hides the tagged entry, not the key: the tombstone keeps the entry's version,
        // so that a newer write without the tag (arriving later, older than the purge) still wins,
        // on every replica whatever the arrival order (the purge record covers tagged late arrivals).
        entries.putTombstone(ctx, key, existing, StoredEntries.version(existing));
      } else if (existing != null || purge.selector() instanceof Command.PurgeSelector.Key) {
        entries.putTombstone(ctx, key, existing, version);
      }
    }
    ChangeEvent emitted = ctx.emit(event);
    if (!purge.purgeId().isEmpty()) {
      // The receipt: when (HLC of this region's apply) and where in the region's history.
      engine.purgeReceipts.put(ctx.batch, purge.purgeId().getBytes(StandardCharsets.UTF_8),
          emitted.toBuilder().setVersion(io.edgekv.api.v1.Version.newBuilder()
              .setHlc(ctx.proposal.hlc()).setOriginRegion(ctx.proposal.originRegion())).build().toByteArray());
    }
  }

  private void record(ApplyContext ctx, byte[] purgeKey, Version version) {
    byte[] current = recordOf(ctx, purgeKey);
    if (current == null || decodeVersion(current).compareTo(version) < 0) {
      byte[] bytes = version.toProto().toByteArray();
      engine.purges.put(ctx.batch, purgeKey, bytes);
      ctx.stagedPurges.put(ByteBuffer.wrap(purgeKey), bytes);
    }
  }

  private byte[] recordOf(ApplyContext ctx, byte[] purgeKey) {
    byte[] staged = ctx.stagedPurges.get(ByteBuffer.wrap(purgeKey));
    return staged != null ? staged : engine.purges.get(purgeKey);
  }

  /** True when a prefix or tag purge newer than {@code version} matches the key. */
  private boolean purgedAfter(ApplyContext ctx, EntryKey key, List<String> tags, Version version) {
    for (String tag : tags) {
      byte[] record = recordOf(ctx, ReplicationKeys.tagPurgeKey(key.namespace(), tag));
      if (record != null && decodeVersion(record).compareTo(version) > 0) {
        return true;
      }
    }
    byte[] prefixes = ReplicationKeys.prefixPurgeKey(key.namespace(), new byte[0]);
    boolean stagedMatch = ctx.stagedPurges.anyMatch((stagedKey, record) -> {
      byte[] purgeKey = new byte[stagedKey.remaining()];
      stagedKey.duplicate().get(purgeKey);
      return ReplicationKeys.startsWith(purgeKey, prefixes) && newerMatch(key, purgeKey, record, version);
    });
    if (stagedMatch) {
      return true;
    }
    boolean[] purged = {false};
    engine.purges.forEachFrom(prefixes, (purgeKey, record) -> {
      if (!ReplicationKeys.startsWith(purgeKey, prefixes)) {
        return false;
      }
      purged[0] = newerMatch(key, purgeKey, record, version);
      return !purged[0];
    });
    return purged[0];
  }

  private static boolean newerMatch(EntryKey key, byte[] prefixPurgeKey, byte[] record, Version version) {
    byte[] prefix = ReplicationKeys.purgedPrefix(key.namespace(), prefixPurgeKey);
    return key.hasPrefix(key.namespace(), prefix) && decodeVersion(record).compareTo(version) > 0;
  }

  private static Version decodeVersion(byte[] bytes) {
    try {
      return Version.of(io.edgekv.api.v1.Version.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt purge record", e);
    }
  }
}
