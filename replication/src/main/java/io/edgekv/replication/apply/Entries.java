package io.edgekv.replication.apply;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StoredEntries;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code entries} table as one apply sees and changes it: reads see the apply's staged
 * writes first, and every write keeps the {@link Indexes} in the same batch.
 */
final class Entries {
  private final KvEngine engine;
  private final Indexes indexes;

  Entries(KvEngine engine, Indexes indexes) {
    this.engine = engine;
    this.indexes = indexes;
  }

  /** The key's entry (a value or a tombstone) as of this apply, or null. */
  StoredEntry get(ApplyContext ctx, EntryKey key) {
    Optional<StoredEntry> staged = ctx.stagedEntries.get(key);
    return staged != null ? staged.orElse(null) : engine.entries.get(key);
  }

  /** Replaces {@code existing} with a value entry (no purge check: see {@link RangeTombstones#putUnlessPurged}). */
  void put(ApplyContext ctx, EntryKey key, StoredEntry existing, StoredEntry entry) {
    indexes.unindex(ctx.batch, key, existing);
    write(ctx, key, existing, entry);
    indexes.index(ctx.batch, key, entry);
  }

  /** Replaces {@code existing} with a tombstone, indexed by time so that it can be collected later. */
  void putTombstone(ApplyContext ctx, EntryKey key, StoredEntry existing, Version version) {
    indexes.unindex(ctx.batch, key, existing);
    write(ctx, key, existing, StoredEntry.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setHlc(version.hlc())
        .setOriginRegion(version.originRegion())
        .setTombstone(true)
        .build());
    indexes.indexTombstone(ctx.batch, key, version);
  }

  /** A tombstone with its change event ({@code kind}: DELETE or EXPIRE). */
  void delete(ApplyContext ctx, EntryKey key, StoredEntry existing, Version version, ChangeKind kind) {
    putTombstone(ctx, key, existing, version);
    ctx.emit(event(key, version, kind, existing == null ? List.of() : existing.getTagsList()));
  }

  /** Flags a live entry stale (a soft purge); its indexes stay. */
  void markStale(ApplyContext ctx, EntryKey key, StoredEntry existing) {
    write(ctx, key, existing, existing.toBuilder().setStale(true).build());
  }

  /** Removes the entry and its indexes altogether (tombstone collection). */
  void remove(ApplyContext ctx, EntryKey key, StoredEntry existing) {
    indexes.unindex(ctx.batch, key, existing);
    engine.entries.delete(ctx.batch, key);
    ctx.stagedEntries.put(key, Optional.empty());
    NamespaceUsage.change(ctx, key, existing, null);
  }

  /** The keys of a namespace that start with {@code prefix}, stored or staged by this apply. */
  List<EntryKey> keysWithPrefix(ApplyContext ctx, String namespace, byte[] prefix) {
    List<EntryKey> matching = new ArrayList<>();
    engine.entries.forEachFrom(new EntryKey(namespace, prefix), (key, stored) -> {
      if (!key.hasPrefix(namespace, prefix)) {
        return false;
      }
      matching.add(key);
      return true;
    });
    ctx.stagedEntries.forEach((k, staged) -> {
      if (k.hasPrefix(namespace, prefix) && !matching.contains(k)) {
        matching.add(k);
      }
    });
    return matching;
  }

  private void write(ApplyContext ctx, EntryKey key, StoredEntry existing, StoredEntry entry) {
    engine.entries.put(ctx.batch, key, entry);
    ctx.stagedEntries.put(key, Optional.of(entry));
    NamespaceUsage.change(ctx, key, existing, entry);
  }

  /**
   * The proposal's version, moved past the key's current version if needed: the leader stamps
   * HLCs concurrently, so two writes to one key can reach the log in the opposite order of
   * their stamps; the later log entry must still win inside the region.
   */
  static Version nextVersion(Proposal proposal, StoredEntry existing) {
    Version stamped = new Version(proposal.hlc(), proposal.originRegion());
    if (existing == null) {
      return stamped;
    }
    Version current = StoredEntries.version(existing);
    return stamped.compareTo(current) > 0 ? stamped : new Version(current.hlc() + 1, proposal.originRegion());
  }

  /** A value entry with its digest. */
  static StoredEntry value(byte[] value, Version version, Map<String, String> metadata, List<String> tags,
      long expiresAt) {
    return StoredEntry.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setValue(ByteString.copyFrom(value))
        .setHlc(version.hlc())
        .setOriginRegion(version.originRegion())
        .putAllMetadata(metadata)
        .addAllTags(tags)
        .setExpiresAtUnixMs(expiresAt)
        .setDigest(ByteString.copyFrom(sha256(value)))
        .build();
  }

  static ChangeEvent.Builder event(EntryKey key, Version version, ChangeKind kind, List<String> tags) {
    return ChangeEvent.newBuilder()
        .setNamespace(key.namespace())
        .setKey(ByteString.copyFrom(key.key()))
        .setVersion(version.toProto())
        .setKind(kind)
        .addAllTags(tags);
  }

  static byte[] sha256(byte[] value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
