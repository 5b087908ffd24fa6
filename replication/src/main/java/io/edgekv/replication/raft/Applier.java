package io.edgekv.replication.raft;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ConditionFailed;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.Refusal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StorageException;
import io.edgekv.replication.storage.StoredEntries;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one proposal to a shard's engine: a pure function of (stored state, proposal, log
 * position). It reads no clock, no random source and no local configuration, so every replica
 * writes identical bytes. Everything a proposal changes goes into the caller's one batch: the
 * entries and their indexes, purge records, the replication log and version vector, the
 * changelog, and the request-id record.
 *
 * <p>Merge rule (every path: local, remote, repair): an entry is replaced only by a greater
 * version, and a put is dead if a matching purge has a greater version. Remote mutations of one
 * origin apply in sequence order; a duplicate or an overlap is skipped, a gap stops the batch.
 *
 * <p>Apply is total: a command that breaks {@link CommandRules}, or that would leave a number's
 * range (a counter overflow), becomes a recorded {@code CommandFailed} result that writes nothing
 * but its request-id record; a remote or repair mutation apply cannot interpret is skipped. Only
 * a storage error ({@link StorageException}) escapes, since it may differ between replicas.
 */
public final class Applier {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
  /** How long a request id is remembered, measured on the proposals' own HLC time. */
  public static final long DEDUP_RETENTION_MILLIS = 60 * 60 * 1000L;
  /** Changelog entries (Raft indexes) kept for Watch resume. */
  public static final long CHANGELOG_RETENTION = 100_000;
  /** Default replication-log entries kept per origin; a region further behind re-syncs by anti-entropy. */
  public static final long DEFAULT_REPLOG_RETENTION = 1_000_000;
  private static final int DEDUP_PRUNE_BATCH = 64;
  private static final byte PURGE_PREFIX = 'P';
  private static final byte PURGE_TAG = 'T';

  private final KvEngine engine;
  private final int shard;
  private final long replogRetention;

  /** @param replogRetention replication-log entries kept per origin (the same on every replica of a region) */
  public Applier(KvEngine engine, int shard, long replogRetention) {
    this.engine = engine;
    this.shard = shard;
    this.replogRetention = replogRetention;
  }

  /**
   * What this apply has written so far: its batch is not readable, and one entry (a remote
   * batch, a transaction) may touch a key or a purge selector twice, so reads see these first.
   */
  private final Map<EntryKey, java.util.Optional<StoredEntry>> pendingEntries = new HashMap<>();
  private final Map<ByteBuffer, byte[]> pendingPurges = new HashMap<>();

  private StoredEntry entry(EntryKey key) {
    java.util.Optional<StoredEntry> pending = pendingEntries.get(key);
    return pending != null ? pending.orElse(null) : engine.entries.get(key);
  }

  private void putEntry(WriteBatch batch, EntryKey key, StoredEntry entry) {
    engine.entries.put(batch, key, entry);
    pendingEntries.put(key, java.util.Optional.of(entry));
  }

  private void deleteEntry(WriteBatch batch, EntryKey key) {
    engine.entries.delete(batch, key);
    pendingEntries.put(key, java.util.Optional.empty());
  }

  private byte[] purgeRecord(byte[] purgeKey) {
    byte[] pending = pendingPurges.get(ByteBuffer.wrap(purgeKey));
    return pending != null ? pending : engine.purges.get(purgeKey);
  }

  private void putPurgeRecord(WriteBatch batch, byte[] purgeKey, byte[] version) {
    engine.purges.put(batch, purgeKey, version);
    pendingPurges.put(ByteBuffer.wrap(purgeKey), version);
  }

  /** The outcome of one proposal: its reply and the change events it produced. */
  public record Outcome(CommandResult result, List<ChangeEvent> events) {}

  public Outcome apply(WriteBatch batch, Proposal proposal, long index) {
    pendingEntries.clear();
    pendingPurges.clear();
    byte[] requestId = proposal.requestId().getBytes(StandardCharsets.UTF_8);
    long proposalMillis = HybridClock.physicalMillis(proposal.hlc());
    pruneRequestIds(batch, proposalMillis);
    if (requestId.length > 0) {
      byte[] earlier = engine.requests.get(requestId);
      if (earlier != null) {
        return new Outcome(StoredEntries.decodeResult(earlier), List.of());
      }
    }
    Ctx ctx = new Ctx(batch, index, proposal);
    CommandResult result;
    Optional<Refusal> refused = CommandRules.check(proposal.command());
    if (refused.isPresent()) {
      result = failed(refused.get());
    } else {
      batch.setSavePoint();
      try {
        result = execute(ctx);
        popSavePoint(batch);
      } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException | NullPointerException
          | ClassCastException | UnsupportedOperationException e) {
        // Defence in depth: the same bytes fail alike on every replica, so a recorded failure
        // keeps them identical, where a thrown exception would stop the region for good.
        LOG.error("shard {}: index {} could not be applied; recorded as failed, nothing written", shard, index, e);
        rollbackToSavePoint(batch);
        pendingEntries.clear();
        pendingPurges.clear();
        ctx = new Ctx(batch, index, proposal);
        // Only the exception's type goes into the recorded result: its message may differ between JVMs.
        result = failed(new Refusal(Refusal.INTERNAL, "", "",
            "index " + index + " could not be applied (" + e.getClass().getSimpleName() + ")"));
      }
    }
    ctx.flush();
    if (requestId.length > 0) {
      engine.requests.put(batch, requestId, result.toByteArray());
      engine.requestsByTime.put(batch, timeKey(proposalMillis, requestId), new byte[0]);
    }
    return new Outcome(result, ctx.events);
  }

  private CommandResult execute(Ctx ctx) {
    long index = ctx.index;
    return switch (ctx.proposal.command()) {
      case Command.Put put -> {
        EntryKey key = new EntryKey(put.namespace(), put.key());
        StoredEntry existing = entry(key);
        CommandResult failed = checkCondition(put.condition(), existing, ctx.now, put.key());
        if (failed != null) {
          yield failed;
        }
        Version version = localPut(ctx, key, existing, put);
        yield applied(version, StoredEntries.isLive(existing, ctx.now), index);
      }
      case Command.Delete delete -> {
        EntryKey key = new EntryKey(delete.namespace(), delete.key());
        StoredEntry existing = entry(key);
        CommandResult failed = checkCondition(delete.condition(), existing, ctx.now, delete.key());
        if (failed != null) {
          yield failed;
        }
        Version version = localDelete(ctx, key, existing, ChangeKind.DELETE);
        yield applied(version, StoredEntries.isLive(existing, ctx.now), index);
      }
      case Command.Touch touch -> {
        EntryKey key = new EntryKey(touch.namespace(), touch.key());
        StoredEntry existing = entry(key);
        if (!StoredEntries.isLive(existing, ctx.now)) {
          yield CommandResult.newBuilder().setFormat(StoredEntries.FORMAT)
              .setApplied(Applied.newBuilder().setExisted(false).setIndex(index)).build();
        }
        Command.Put renewed = new Command.Put(touch.namespace(), touch.key(), existing.getValue().toByteArray(),
            existing.getMetadataMap(), existing.getTagsList(), touch.ttlMillis(), touch.expiresAtMillis(),
            WriteCondition.NONE);
        yield applied(localPut(ctx, key, existing, renewed), true, index);
      }
      case Command.Expire expire -> {
        for (Command.ExpireTarget target : expire.targets()) {
          EntryKey key = new EntryKey(target.namespace(), target.key());
          StoredEntry existing = entry(key);
          boolean stillExpired = existing != null && !existing.getTombstone()
              && StoredEntries.version(existing).equals(target.version())
              && existing.getExpiresAtUnixMs() > 0 && existing.getExpiresAtUnixMs() <= ctx.now;
          if (stillExpired) {
            localDelete(ctx, key, existing, ChangeKind.EXPIRE);
          }
        }
        yield applied(ctx.stamped(), false, index);
      }
      case Command.Txn txn -> applyTxn(ctx, txn);
      case Command.CollectTombstones collect -> {
        for (Command.ExpireTarget target : collect.targets()) {
          EntryKey key = new EntryKey(target.namespace(), target.key());
          StoredEntry existing = entry(key);
          if (existing != null && existing.getTombstone() && StoredEntries.version(existing).equals(target.version())) {
            unindex(ctx.batch, key, existing);
            deleteEntry(ctx.batch, key);
          }
        }
        yield applied(ctx.stamped(), false, index);
      }
      case Command.Increment inc -> increment(ctx, inc);
      case Command.Purge purge -> {
        Version version = ctx.stamped();
        Mutation.Builder m = Mutation.newBuilder().setKind(MutationKind.MUTATION_PURGE)
            .setNamespace(purge.namespace()).setVersion(version.toProto()).setPurge(CommandCodec.purge(purge));
        applyPurge(ctx, purge, version);
        ctx.logLocal(m);
        yield applied(version, false, index);
      }
      case Command.Publish publish -> {
        Version version = ctx.stamped();
        Mutation.Builder m = Mutation.newBuilder().setKind(MutationKind.MUTATION_PUBLISH)
            .setNamespace(publish.namespace()).setVersion(version.toProto())
            .setPublish(io.edgekv.internal.v1.PublishCommand.newBuilder().setNamespace(publish.namespace())
                .setTopic(publish.topic()).setPayload(ByteString.copyFrom(publish.payload()))
                .setPublishId(publish.publishId()));
        emitPublish(ctx, m.build(), version);
        ctx.logLocal(m);
        yield applied(version, false, index);
      }
      case Command.ApplyRemote remote -> {
        for (Mutation m : remote.mutations()) {
          long seen = ctx.seq(m.getOriginRegion());
          if (m.getSeq() <= seen) {
            continue;
          }
          if (m.getSeq() != seen + 1) {
            continue; // a gap: this origin resumes with a later batch; other origins go on
          }
          // One the origin made that this release cannot interpret is skipped but still takes its
          // place in the sequence (and the log, for relays), so the origin's later ones go on.
          mergeIfInterpretable(ctx, m);
          ctx.logRemote(m);
        }
        yield applied(ctx.stamped(), false, index);
      }
      case Command.Repair repair -> {
        for (Mutation m : repair.mutations()) {
          mergeIfInterpretable(ctx, m);
        }
        repair.versionVector().forEach((origin, seq) -> {
          if (seq > ctx.seq(origin)) {
            ctx.setSeq(origin, seq);
          }
        });
        yield applied(ctx.stamped(), false, index);
      }
    };
  }

  /**
   * Adds to this region's slot of a PN counter. Refused (OUT_OF_RANGE, nothing written) when the
   * slot, which only grows, or the counter's total would leave the signed 64-bit range.
   */
  private CommandResult increment(Ctx ctx, Command.Increment inc) {
    EntryKey key = new EntryKey(inc.namespace(), inc.key());
    StoredEntry existing = entry(key);
    boolean live = StoredEntries.isLive(existing, ctx.now);
    if (live && !existing.getCounter()) {
      return conditionFailed(existing, "key holds a value that is not a counter", inc.key());
    }
    Map<String, Long> p = new HashMap<>(live ? existing.getCounterPMap() : Map.of());
    Map<String, Long> n = new HashMap<>(live ? existing.getCounterNMap() : Map.of());
    String region = ctx.proposal.originRegion();
    Map<String, Long> slots = inc.delta() >= 0 ? p : n;
    long amount = Math.abs(inc.delta()); // CommandRules keeps delta above Long.MIN_VALUE
    long slot = slots.getOrDefault(region, 0L);
    if (slot > Long.MAX_VALUE - amount) {
      return failed(Refusal.outOfRange("delta", Long.toString(Long.MAX_VALUE), "counter '" + printable(inc.key())
          + "': region " + region + "'s " + (inc.delta() >= 0 ? "increments" : "decrements")
          + " would add up to more than " + Long.MAX_VALUE + " (each region's increments and decrements only grow)"));
    }
    slots.put(region, slot + amount);
    BigInteger total = PnCounter.total(p, n);
    if (!PnCounter.inRange(total)) {
      BigInteger limit = total.signum() > 0 ? PnCounter.MAX : PnCounter.MIN;
      return failed(Refusal.outOfRange("delta", limit.toString(), "counter '" + printable(inc.key())
          + "' would total " + total + "; a counter holds " + Long.MIN_VALUE + " to " + Long.MAX_VALUE));
    }
    Version version = nextVersion(ctx.proposal, existing);
    writeIfNotPurged(ctx, key, existing, counter(version, p, n));
    ctx.logLocal(Mutation.newBuilder().setKind(MutationKind.MUTATION_COUNTER)
        .setNamespace(key.namespace()).setKey(ByteString.copyFrom(key.key())).setVersion(version.toProto())
        .putCounterP(region, p.getOrDefault(region, 0L)).putCounterN(region, n.getOrDefault(region, 0L)));
    CommandResult result = applied(version, live, ctx.index);
    return result.toBuilder().setApplied(result.getApplied().toBuilder().setCounterValue(total.longValue())).build();
  }

  private void mergeIfInterpretable(Ctx ctx, Mutation m) {
    Optional<Refusal> refused = CommandRules.checkMutation(m);
    if (refused.isPresent()) {
      LOG.warn("shard {}: index {}: skipped mutation {} of {}: {}", shard, ctx.index, m.getSeq(), m.getOriginRegion(),
          refused.get().message());
      return;
    }
    merge(ctx, m);
  }

  private static void popSavePoint(WriteBatch batch) {
    try {
      batch.popSavePoint();
    } catch (RocksDBException e) {
      throw new StorageException("write batch save point", e);
    }
  }

  private static void rollbackToSavePoint(WriteBatch batch) {
    try {
      batch.rollbackToSavePoint();
    } catch (RocksDBException e) {
      throw new StorageException("write batch rollback", e);
    }
  }

  private static String printable(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  private CommandResult applyTxn(Ctx ctx, Command.Txn txn) {
    for (Command.TxnCheck check : txn.checks()) {
      StoredEntry existing = entry(new EntryKey(txn.namespace(), check.key()));
      CommandResult failed = checkCondition(check.condition(), existing, ctx.now, check.key());
      if (failed != null) {
        return failed;
      }
    }
    Version highest = ctx.stamped();
    for (Command.Put put : txn.puts()) {
      EntryKey key = new EntryKey(txn.namespace(), put.key());
      Version v = localPut(ctx, key, entry(key), put);
      highest = v.compareTo(highest) > 0 ? v : highest;
    }
    for (Command.Delete delete : txn.deletes()) {
      EntryKey key = new EntryKey(txn.namespace(), delete.key());
      Version v = localDelete(ctx, key, entry(key), ChangeKind.DELETE);
      highest = v.compareTo(highest) > 0 ? v : highest;
    }
    return applied(highest, false, ctx.index);
  }

  // ---- local changes: written, then logged for the other regions ----

  private Version localPut(Ctx ctx, EntryKey key, StoredEntry existing, Command.Put put) {
    Version version = nextVersion(ctx.proposal, existing);
    StoredEntry entry = entry(put.value(), version, put.metadata(), put.tags(), put.expiresAtMillis());
    writeIfNotPurged(ctx, key, existing, entry);
    ctx.logLocal(Mutation.newBuilder().setKind(MutationKind.MUTATION_PUT)
        .setNamespace(key.namespace()).setKey(ByteString.copyFrom(key.key())).setVersion(version.toProto())
        .setValue(entry.getValue()).putAllMetadata(put.metadata()).addAllTags(put.tags())
        .setExpiresAtUnixMs(put.expiresAtMillis()));
    return version;
  }

  private Version localDelete(Ctx ctx, EntryKey key, StoredEntry existing, ChangeKind kind) {
    Version version = nextVersion(ctx.proposal, existing);
    writeTombstone(ctx, key, existing, version, kind);
    ctx.logLocal(Mutation.newBuilder().setKind(MutationKind.MUTATION_DELETE)
        .setNamespace(key.namespace()).setKey(ByteString.copyFrom(key.key())).setVersion(version.toProto()));
    return version;
  }

  // ---- merging a mutation made elsewhere (remote push, relay, repair) ----

  private void merge(Ctx ctx, Mutation m) {
    Version version = Version.of(m.getVersion());
    switch (m.getKind()) {
      case MUTATION_PUT -> {
        EntryKey key = new EntryKey(m.getNamespace(), m.getKey().toByteArray());
        StoredEntry existing = entry(key);
        if (existing == null || StoredEntries.version(existing).compareTo(version) < 0) {
          writeIfNotPurged(ctx, key, existing, entry(m.getValue().toByteArray(), version, m.getMetadataMap(),
              m.getTagsList(), m.getExpiresAtUnixMs()));
        }
      }
      case MUTATION_DELETE -> {
        EntryKey key = new EntryKey(m.getNamespace(), m.getKey().toByteArray());
        StoredEntry existing = entry(key);
        if (existing == null || StoredEntries.version(existing).compareTo(version) < 0) {
          writeTombstone(ctx, key, existing, version, ChangeKind.DELETE);
        }
      }
      case MUTATION_COUNTER -> {
        EntryKey key = new EntryKey(m.getNamespace(), m.getKey().toByteArray());
        StoredEntry existing = entry(key);
        if (existing != null && !existing.getTombstone() && existing.getCounter()) {
          // A state-based PN counter: every slot only grows, so the merge is the per-slot maximum,
          // whatever the order, duplication or relay path.
          Map<String, Long> p = new HashMap<>(existing.getCounterPMap());
          Map<String, Long> n = new HashMap<>(existing.getCounterNMap());
          m.getCounterPMap().forEach((r, v) -> p.merge(r, v, Math::max));
          m.getCounterNMap().forEach((r, v) -> n.merge(r, v, Math::max));
          Version current = StoredEntries.version(existing);
          Version merged = current.compareTo(version) >= 0 ? current : version;
          if (!p.equals(existing.getCounterPMap()) || !n.equals(existing.getCounterNMap()) || merged != current) {
            writeIfNotPurged(ctx, key, existing, counter(merged, p, n));
          }
        } else if (existing == null || StoredEntries.version(existing).compareTo(version) < 0) {
          writeIfNotPurged(ctx, key, existing, counter(version, m.getCounterPMap(), m.getCounterNMap()));
        }
      }
      case MUTATION_PURGE -> applyPurge(ctx, CommandCodec.purge(m.getPurge()), version);
      case MUTATION_PUBLISH -> emitPublish(ctx, m, version);
      case MUTATION_KIND_UNSPECIFIED, UNRECOGNIZED -> {
        // never reached: mergeIfInterpretable skips these (CommandRules.checkMutation)
      }
    }
  }

  private StoredEntry entry(byte[] value, Version version, Map<String, String> metadata, List<String> tags,
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

  /** A counter entry; its value is the exact total in decimal, flagged when outside the signed 64-bit range. */
  private StoredEntry counter(Version version, Map<String, Long> p, Map<String, Long> n) {
    BigInteger total = PnCounter.total(p, n);
    byte[] value = total.toString().getBytes(StandardCharsets.UTF_8);
    return entry(value, version, Map.of(), List.of(), 0).toBuilder()
        .setCounter(true).putAllCounterP(p).putAllCounterN(n).setCounterOutOfRange(!PnCounter.inRange(total)).build();
  }

  /** Writes a put unless a purge newer than it matches (a late write must not resurrect purged data). */
  private void writeIfNotPurged(Ctx ctx, EntryKey key, StoredEntry existing, StoredEntry entry) {
    Version version = StoredEntries.version(entry);
    if (purgedAfter(key, entry.getTagsList(), version)) {
      return;
    }
    unindex(ctx.batch, key, existing);
    putEntry(ctx.batch, key, entry);
    index(ctx.batch, key, entry);
    ctx.emit(event(key, version, ChangeKind.PUT, entry.getTagsList()));
  }

  private void writeTombstone(Ctx ctx, EntryKey key, StoredEntry existing, Version version, ChangeKind kind) {
    putTombstone(ctx.batch, key, existing, version);
    ctx.emit(event(key, version, kind, existing == null ? List.of() : existing.getTagsList()));
  }

  /** Replaces an entry with a tombstone, indexed by time so that it can be collected later. */
  private void putTombstone(WriteBatch batch, EntryKey key, StoredEntry existing, Version version) {
    unindex(batch, key, existing);
    putEntry(batch, key, StoredEntry.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setHlc(version.hlc())
        .setOriginRegion(version.originRegion())
        .setTombstone(true)
        .build());
    engine.tombstoneIndex.put(batch, StoredEntries.expiryIndexKey(HybridClock.physicalMillis(version.hlc()), key),
        new byte[0]);
  }

  // ---- purges (range tombstones) ----

  private void applyPurge(Ctx ctx, Command.Purge purge, Version version) {
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
          recordPurge(ctx.batch, purgeKey(ns, PURGE_PREFIX, p.prefix()), version);
        }
        engine.entries.forEachFrom(new EntryKey(ns, p.prefix()), (key, stored) -> {
          if (!key.hasPrefix(ns, p.prefix())) {
            return false;
          }
          matching.add(key);
          return true;
        });
        pendingEntries.keySet().stream().filter(k -> k.hasPrefix(ns, p.prefix()) && !matching.contains(k))
            .forEach(matching::add);
      }
      case Command.PurgeSelector.Tag t -> {
        event.setPurgeTag(t.tag());
        if (!purge.soft()) {
          recordPurge(ctx.batch, purgeKey(ns, PURGE_TAG, t.tag().getBytes(StandardCharsets.UTF_8)), version);
        }
        byte[] tagPrefix = StoredEntries.tagIndexKey(new EntryKey(ns, new byte[0]), t.tag());
        engine.tagIndex.forEachFrom(tagPrefix, (indexKey, unused) -> {
          if (!startsWith(indexKey, tagPrefix)) {
            return false;
          }
          matching.add(new EntryKey(ns, Arrays.copyOfRange(indexKey, tagPrefix.length, indexKey.length)));
          return true;
        });
        // The tag index holds what is committed; a put earlier in this same entry (a remote batch
        // carrying a put and then a purge of its tag) is only in the batch. Found by the
        // deterministic simulation (docs/simulation.md).
        pendingEntries.forEach((key, pending) -> {
          if (key.namespace().equals(ns) && pending.isPresent() && pending.get().getTagsList().contains(t.tag())
              && !matching.contains(key)) {
            matching.add(key);
          }
        });
      }
    }
    for (EntryKey key : matching) {
      StoredEntry existing = entry(key);
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
          putEntry(ctx.batch, key, existing.toBuilder().setStale(true).build());
        }
      } else if (existing != null || purge.selector() instanceof Command.PurgeSelector.Key) {
        putTombstone(ctx.batch, key, existing, version);
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

  private void recordPurge(WriteBatch batch, byte[] purgeKey, Version version) {
    byte[] current = purgeRecord(purgeKey);
    if (current == null || decodeVersion(current).compareTo(version) < 0) {
      putPurgeRecord(batch, purgeKey, version.toProto().toByteArray());
    }
  }

  /** True when a prefix or tag purge newer than {@code version} matches the key. */
  private boolean purgedAfter(EntryKey key, List<String> tags, Version version) {
    for (String tag : tags) {
      byte[] record = purgeRecord(purgeKey(key.namespace(), PURGE_TAG, tag.getBytes(StandardCharsets.UTF_8)));
      if (record != null && decodeVersion(record).compareTo(version) > 0) {
        return true;
      }
    }
    byte[] prefixes = purgeKey(key.namespace(), PURGE_PREFIX, new byte[0]);
    for (Map.Entry<ByteBuffer, byte[]> pending : pendingPurges.entrySet()) {
      byte[] purgeKey = new byte[pending.getKey().remaining()];
      pending.getKey().duplicate().get(purgeKey);
      if (startsWith(purgeKey, prefixes)) {
        byte[] prefix = Arrays.copyOfRange(purgeKey, prefixes.length, purgeKey.length);
        if (key.hasPrefix(key.namespace(), prefix) && decodeVersion(pending.getValue()).compareTo(version) > 0) {
          return true;
        }
      }
    }
    boolean[] purged = {false};
    engine.purges.forEachFrom(prefixes, (purgeKey, record) -> {
      if (!startsWith(purgeKey, prefixes)) {
        return false;
      }
      byte[] prefix = Arrays.copyOfRange(purgeKey, prefixes.length, purgeKey.length);
      if (key.hasPrefix(key.namespace(), prefix) && decodeVersion(record).compareTo(version) > 0) {
        purged[0] = true;
        return false;
      }
      return true;
    });
    return purged[0];
  }

  private static byte[] purgeKey(String namespace, byte type, byte[] selector) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(ns.length + 2 + selector.length).put(ns).put((byte) 0).put(type).put(selector).array();
  }

  private static Version decodeVersion(byte[] bytes) {
    try {
      return Version.of(io.edgekv.api.v1.Version.parseFrom(bytes));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new io.edgekv.replication.storage.StorageException("corrupt purge record", e);
    }
  }

  private void emitPublish(Ctx ctx, Mutation m, Version version) {
    ctx.emit(ChangeEvent.newBuilder().setNamespace(m.getPublish().getNamespace()).setVersion(version.toProto())
        .setKind(ChangeKind.PUBLISH).setTopic(m.getPublish().getTopic()).setPayload(m.getPublish().getPayload())
        .setPublishId(m.getPublish().getPublishId()));
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  // ---- versions and conditions ----

  /**
   * The proposal's version, moved past the key's current version if needed: the leader stamps
   * HLCs concurrently, so two writes to one key can reach the log in the opposite order of
   * their stamps; the later log entry must still win inside the region.
   */
  private static Version nextVersion(Proposal proposal, StoredEntry existing) {
    Version stamped = new Version(proposal.hlc(), proposal.originRegion());
    if (existing == null) {
      return stamped;
    }
    Version current = StoredEntries.version(existing);
    return stamped.compareTo(current) > 0 ? stamped : new Version(current.hlc() + 1, proposal.originRegion());
  }

  private static CommandResult checkCondition(WriteCondition condition, StoredEntry existing, long now, byte[] key) {
    boolean live = StoredEntries.isLive(existing, now);
    return switch (condition) {
      case WriteCondition.None none -> null;
      case WriteCondition.IfAbsent absent -> live ? conditionFailed(existing, "key exists", key) : null;
      case WriteCondition.IfVersion ifVersion -> {
        if (!live) {
          yield conditionFailed(null, "key does not exist", key);
        }
        yield StoredEntries.version(existing).equals(ifVersion.expected())
            ? null : conditionFailed(existing, "version differs", key);
      }
    };
  }

  private static CommandResult conditionFailed(StoredEntry current, String reason, byte[] key) {
    ConditionFailed.Builder failed = ConditionFailed.newBuilder().setReason(reason).setFound(current != null)
        .setKey(ByteString.copyFrom(key));
    if (current != null) {
      failed.setCurrent(StoredEntries.version(current).toProto());
    }
    return CommandResult.newBuilder().setFormat(StoredEntries.FORMAT).setConditionFailed(failed).build();
  }

  private static CommandResult failed(Refusal refusal) {
    return CommandResult.newBuilder().setFormat(StoredEntries.FORMAT).setFailed(refusal.toProto()).build();
  }

  /** The result of a log entry that this release cannot decode: recorded, nothing else written. */
  public static Outcome undecodable(long index) {
    return new Outcome(failed(new Refusal(Refusal.INTERNAL, "", "",
        "index " + index + " is not a command this release can decode")), List.of());
  }

  private static CommandResult applied(Version version, boolean existed, long index) {
    return CommandResult.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setApplied(Applied.newBuilder().setVersion(version.toProto()).setExisted(existed).setIndex(index))
        .build();
  }

  // ---- indexes ----

  private void index(WriteBatch batch, EntryKey key, StoredEntry entry) {
    for (String tag : entry.getTagsList()) {
      engine.tagIndex.put(batch, StoredEntries.tagIndexKey(key, tag), new byte[0]);
    }
    if (entry.getExpiresAtUnixMs() > 0) {
      engine.expiryIndex.put(batch, StoredEntries.expiryIndexKey(entry.getExpiresAtUnixMs(), key), new byte[0]);
    }
  }

  private void unindex(WriteBatch batch, EntryKey key, StoredEntry existing) {
    if (existing == null) {
      return;
    }
    if (existing.getTombstone()) {
      engine.tombstoneIndex.delete(batch, StoredEntries.expiryIndexKey(HybridClock.physicalMillis(existing.getHlc()), key));
      return;
    }
    for (String tag : existing.getTagsList()) {
      engine.tagIndex.delete(batch, StoredEntries.tagIndexKey(key, tag));
    }
    if (existing.getExpiresAtUnixMs() > 0) {
      engine.expiryIndex.delete(batch, StoredEntries.expiryIndexKey(existing.getExpiresAtUnixMs(), key));
    }
  }

  /** Forgets request ids older than the retention, a few per entry, oldest first. */
  private void pruneRequestIds(WriteBatch batch, long nowMillis) {
    long cutoff = nowMillis - DEDUP_RETENTION_MILLIS;
    int[] budget = {DEDUP_PRUNE_BATCH};
    engine.requestsByTime.forEachFrom(null, (timeKey, unused) -> {
      if (ByteBuffer.wrap(timeKey).getLong() >= cutoff || budget[0]-- == 0) {
        return false;
      }
      engine.requestsByTime.delete(batch, timeKey);
      engine.requests.delete(batch, Arrays.copyOfRange(timeKey, 8, timeKey.length));
      return true;
    });
  }

  private static byte[] timeKey(long millis, byte[] requestId) {
    return ByteBuffer.allocate(8 + requestId.length).putLong(millis).put(requestId).array();
  }

  private static ChangeEvent.Builder event(EntryKey key, Version version, ChangeKind kind, List<String> tags) {
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

  /** The state of one apply: its batch, its events, and the version vector as it changes. */
  private final class Ctx {
    final WriteBatch batch;
    final long index;
    final Proposal proposal;
    final long now;
    final List<ChangeEvent> events = new ArrayList<>(1);
    private final Map<String, Long> seqs = new HashMap<>();
    private final Map<String, Long> changedSeqs = new HashMap<>();

    Ctx(WriteBatch batch, long index, Proposal proposal) {
      this.batch = batch;
      this.index = index;
      this.proposal = proposal;
      this.now = HybridClock.physicalMillis(proposal.hlc());
    }

    Version stamped() {
      return new Version(proposal.hlc(), proposal.originRegion());
    }

    long seq(String origin) {
      return seqs.computeIfAbsent(origin, o -> ReplicationKeys.readSeq(engine, o));
    }

    void setSeq(String origin, long seq) {
      seqs.put(origin, seq);
      changedSeqs.put(origin, seq);
    }

    /** Gives a locally made mutation the next sequence number of this region and logs it. */
    void logLocal(Mutation.Builder m) {
      String origin = proposal.originRegion();
      long seq = seq(origin) + 1;
      logRemote(m.setFormat(1).setOriginRegion(origin).setSeq(seq).setStampedHlc(proposal.hlc()).build());
    }

    /** Keeps a mutation in the replication log (for shipping and relaying) and advances the vector. */
    void logRemote(Mutation m) {
      engine.replog.put(batch, ReplicationKeys.logKey(m.getOriginRegion(), m.getSeq()), m.toByteArray());
      if (m.getSeq() > replogRetention) {
        engine.replog.delete(batch, ReplicationKeys.logKey(m.getOriginRegion(), m.getSeq() - replogRetention));
      }
      setSeq(m.getOriginRegion(), m.getSeq());
    }

    ChangeEvent emit(ChangeEvent.Builder event) {
      ChangeEvent built = event.setShard(shard).setIndex(index).setOriginRegion(event.getVersion().getOriginRegion())
          .build();
      events.add(built);
      return built;
    }

    void flush() {
      changedSeqs.forEach((origin, seq) -> ReplicationKeys.writeSeq(engine, batch, origin, seq));
      for (int i = 0; i < events.size(); i++) {
        engine.changelog.put(batch, ReplicationKeys.changelogKey(index, i), events.get(i).toByteArray());
      }
      if (index % 1024 == 0 && index > CHANGELOG_RETENTION) {
        engine.changelog.deleteRange(batch, ReplicationKeys.changelogKey(0, 0),
            ReplicationKeys.changelogKey(index - CHANGELOG_RETENTION, 0));
      }
    }
  }
}
