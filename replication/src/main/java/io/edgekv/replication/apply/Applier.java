package io.edgekv.replication.apply;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.PublishCommand;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.Refusal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.AtRest;
import io.edgekv.replication.storage.DataKeyring;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StorageException;
import io.edgekv.replication.storage.StoredEntries;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
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
 * writes identical bytes. Everything a proposal changes goes into the caller's one batch. Each
 * concern has its own class: {@link Deduplication} (request ids), {@link Entries} and
 * {@link Indexes} (entries and their tag, expiry and tombstone indexes), {@link RangeTombstones}
 * (purges and the rule that a newer purge kills a put), {@link Counters} (PN counters),
 * {@link ReplicationLog} (the log shipped to other regions and the version vector) and
 * {@link Changelog} (the events Watch resumes from).
 *
 * <p>Merge rule (every path: local, remote, repair): an entry is replaced only by a greater
 * version, and a put is dead if a matching purge has a greater version. Remote mutations of one
 * origin apply in sequence order; a duplicate or an overlap is skipped, a gap stops the batch.
 *
 * <p>Apply is total: a command that breaks {@link CommandRules}, or that would leave a number's
 * range (a counter overflow), becomes a recorded {@code CommandFailed} result that writes nothing
 * but its request-id record; a remote or repair mutation apply cannot interpret is skipped. Only
 * a storage error ({@link StorageException}) escapes, since it may differ between replicas.
 *
 * <p>{@link #applyAll} writes the batch itself, with the applied position, and only then
 * publishes the new version vector to readers. One entry may carry many proposals (group
 * commit): they apply in order into that one batch, each with its own result. One apply at a time.
 */
public final class Applier {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
  /** Changelog entries (Raft indexes) kept for Watch resume. */
  public static final long CHANGELOG_RETENTION = Changelog.RETENTION;
  /** Default replication-log entries kept per origin; a region further behind re-syncs by anti-entropy. */
  public static final long DEFAULT_REPLOG_RETENTION = 1_000_000;

  private final KvEngine engine;
  private final int shard;
  private final Deduplication requests;
  private final Entries entries;
  private final RangeTombstones purges;
  private final Counters counters;
  private final ReplicationLog log;
  private final Changelog changelog;
  private final NamespaceUsage usage;

  public Applier(KvEngine engine, int shard) {
    this.engine = engine;
    this.shard = shard;
    Indexes indexes = new Indexes(engine);
    this.requests = new Deduplication(engine);
    this.entries = new Entries(engine, indexes);
    this.purges = new RangeTombstones(engine, entries, indexes);
    this.log = new ReplicationLog(engine);
    this.counters = new Counters(entries, purges, log);
    this.changelog = new Changelog(engine);
    this.usage = new NamespaceUsage(engine);
  }

  /** The outcome of one proposal: its reply and the change events it produced. */
  public record Outcome(CommandResult result, List<ChangeEvent> events) {}

  /**
   * Applies one log entry of a single proposal: see {@link #applyAll}. A null {@code proposal} is
   * an entry this release cannot decode: recorded as failed, only the position is written.
   *
   * @throws StorageException when the batch cannot be read for or written (the shard fails)
   */
  public Outcome apply(Proposal proposal, long term, long index) {
    return applyAll(proposal == null ? null : Collections.singletonList(proposal), term, index).getFirst();
  }

  /**
   * Applies one log entry of one or more proposals (group commit), in order: each sees what the
   * ones before it wrote, and each gets its own outcome; one that cannot be applied is recorded
   * as failed and changes nothing, and the others apply. Everything the entry changes goes into
   * one batch with the applied position, written once; then the new version vector is published
   * to readers. A null list is an entry this release cannot decode (one failed outcome, only the
   * position written); a null element is one undecodable proposal (a failed outcome of its own).
   *
   * @throws StorageException when the batch cannot be read for or written (the shard fails)
   */
  public List<Outcome> applyAll(List<Proposal> proposals, long term, long index) {
    log.begin();
    try (WriteBatch batch = new WriteBatch()) {
      List<Outcome> outcomes = new ArrayList<>(proposals == null ? 1 : proposals.size());
      if (proposals == null) {
        outcomes.add(undecodable(index));
      } else {
        EntryState entry = new EntryState();
        proposals.stream().filter(p -> p != null).findFirst()
            .ifPresent(first -> requests.prune(batch, HybridClock.physicalMillis(first.hlc())));
        for (Proposal proposal : proposals) {
          Outcome outcome = proposal == null ? undecodable(index) : stage(batch, entry, proposal, index);
          entry.events.addAll(outcome.events());
          outcomes.add(outcome);
        }
        usage.flush(batch, entry.usage);
        log.flush(batch);
        changelog.write(batch, index, entry.events);
      }
      long stamp = log.entryStamp();
      if (proposals != null) {
        for (Proposal proposal : proposals) {
          if (proposal != null) {
            stamp = Math.max(stamp, proposal.hlc());
          }
        }
      }
      engine.setAppliedPosition(batch, term, index, stamp);
      engine.write(batch);
      log.publish(stamp);
      return outcomes;
    }
  }

  /** What one entry's commands share: their staged writes, recorded request ids and events. */
  private static final class EntryState {
    final Map<EntryKey, Optional<StoredEntry>> stagedEntries = new HashMap<>();
    final Map<ByteBuffer, byte[]> stagedPurges = new HashMap<>();
    final Map<ByteBuffer, CommandResult> requestIds = new HashMap<>();
    final List<ChangeEvent> events = new ArrayList<>();
    /** Per namespace, the change of its stored entries and bytes by the entry's applied commands. */
    final Map<String, NamespaceUsage.Usage> usage = new HashMap<>(2);
  }

  /** Everything one proposal changes, added to {@code batch}; nothing is written or published yet. */
  private Outcome stage(WriteBatch batch, EntryState entry, Proposal proposal, long index) {
    byte[] requestId = proposal.requestId().getBytes(StandardCharsets.UTF_8);
    long proposalMillis = HybridClock.physicalMillis(proposal.hlc());
    Optional<CommandResult> earlier = requests.earlier(requestId, entry.requestIds);
    if (earlier.isPresent()) {
      return new Outcome(earlier.get(), List.of());
    }
    ApplyContext ctx = context(batch, entry, proposal, index);
    CommandResult result;
    Optional<Refusal> refused = CommandRules.check(proposal.command());
    if (refused.isPresent()) {
      result = Results.failed(refused.get());
    } else {
      batch.setSavePoint();
      Map<String, Long> logMark = log.mark();
      try {
        result = execute(ctx);
        popSavePoint(batch);
        ctx.commitStaged();
      } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException | NullPointerException
          | ClassCastException | UnsupportedOperationException e) {
        // Defence in depth: the same bytes fail alike on every replica, so a recorded failure
        // keeps them identical, where a thrown exception would stop the region for good.
        LOG.error("shard {}: index {} could not be applied; recorded as failed, nothing written", shard, index, e);
        rollback(batch);
        log.reset(logMark);
        ctx = context(batch, entry, proposal, index);
        // Only the exception's type goes into the recorded result: its message may differ between JVMs.
        result = Results.failed(new Refusal(Refusal.INTERNAL, "", "",
            "index " + index + " could not be applied (" + e.getClass().getSimpleName() + ")"));
      }
    }
    // a command that failed has a fresh context: it changed no counts
    ctx.usage.forEach((namespace, delta) -> entry.usage.merge(namespace, delta, NamespaceUsage.Usage::plus));
    requests.record(batch, requestId, proposalMillis, result, entry.requestIds);
    return new Outcome(result, ctx.events);
  }

  private ApplyContext context(WriteBatch batch, EntryState entry, Proposal proposal, long index) {
    return new ApplyContext(shard, batch, index, proposal, entry.stagedEntries, entry.stagedPurges);
  }

  /** The shard's version vector as of the last written batch (immutable; no storage read). */
  public Map<String, Long> versionVector() {
    return log.published();
  }

  /**
   * What this replica has applied, in origins' stamps, for tombstone collection: per origin the
   * stamp of its last mutation applied in sequence, and the stamp of the last applied log entry
   * (this region's own mutations are stamped in log order, so none stamped at or below it is
   * still to come). See {@link AppliedStamps}.
   */
  public AppliedStamps appliedStamps() {
    long entry = log.entryStamp();
    return new AppliedStamps(log.stamps(), entry, log.published());
  }

  /** Deletes replication-log entries beyond the newest {@code retention} per origin (outside apply). */
  public void trimReplicationLog(long retention) {
    log.trim(retention);
  }

  /** The result of a log entry that this release cannot decode: recorded, nothing else written. */
  private static Outcome undecodable(long index) {
    return new Outcome(Results.failed(new Refusal(Refusal.INTERNAL, "", "",
        "index " + index + " is not a command this release can decode")), List.of());
  }

  private CommandResult execute(ApplyContext ctx) {
    long index = ctx.index;
    return switch (ctx.proposal.command()) {
      case Command.Put put -> {
        EntryKey key = new EntryKey(put.namespace(), put.key());
        StoredEntry existing = entries.get(ctx, key);
        CommandResult failed = Results.checkCondition(put.condition(), existing, ctx.now, put.key());
        yield failed != null ? failed
            : Results.applied(localPut(ctx, key, existing, put), StoredEntries.isLive(existing, ctx.now), index);
      }
      case Command.Delete delete -> {
        EntryKey key = new EntryKey(delete.namespace(), delete.key());
        StoredEntry existing = entries.get(ctx, key);
        CommandResult failed = Results.checkCondition(delete.condition(), existing, ctx.now, delete.key());
        yield failed != null ? failed : Results.applied(localDelete(ctx, key, existing, ChangeKind.DELETE),
            StoredEntries.isLive(existing, ctx.now), index);
      }
      case Command.Touch touch -> touch(ctx, touch);
      case Command.Expire expire -> {
        for (Command.ExpireTarget target : expire.targets()) {
          EntryKey key = new EntryKey(target.namespace(), target.key());
          StoredEntry existing = entries.get(ctx, key);
          boolean stillExpired = existing != null && !existing.getTombstone()
              && StoredEntries.version(existing).equals(target.version())
              && existing.getExpiresAtUnixMs() > 0 && existing.getExpiresAtUnixMs() <= ctx.now;
          if (stillExpired) {
            localDelete(ctx, key, existing, ChangeKind.EXPIRE);
          }
        }
        yield Results.applied(ctx.stamped(), false, index);
      }
      case Command.Txn txn -> txn(ctx, txn);
      case Command.CollectTombstones collect -> {
        for (Command.ExpireTarget target : collect.targets()) {
          EntryKey key = new EntryKey(target.namespace(), target.key());
          StoredEntry existing = entries.get(ctx, key);
          if (existing != null && existing.getTombstone() && StoredEntries.version(existing).equals(target.version())) {
            entries.remove(ctx, key, existing);
          }
        }
        yield Results.applied(ctx.stamped(), false, index);
      }
      case Command.Increment inc -> counters.increment(ctx, inc);
      case Command.Purge purge -> {
        Version version = ctx.stamped();
        purges.apply(ctx, purge, version);
        log.logLocal(ctx, Mutation.newBuilder().setKind(MutationKind.MUTATION_PURGE)
            .setNamespace(purge.namespace()).setVersion(version.toProto()).setPurge(CommandCodec.purge(purge)));
        yield Results.applied(version, false, index);
      }
      case Command.Publish publish -> {
        Version version = ctx.stamped();
        Mutation.Builder m = Mutation.newBuilder().setKind(MutationKind.MUTATION_PUBLISH)
            .setNamespace(publish.namespace()).setVersion(version.toProto())
            .setPublish(PublishCommand.newBuilder().setNamespace(publish.namespace())
                .setTopic(publish.topic()).setPayload(ByteString.copyFrom(publish.payload()))
                .setPublishId(publish.publishId()));
        emitPublish(ctx, m.build(), version);
        log.logLocal(ctx, m);
        yield Results.applied(version, false, index);
      }
      case Command.ApplyRemote remote -> {
        for (Mutation m : remote.mutations()) {
          long seen = log.seq(m.getOriginRegion());
          if (m.getSeq() != seen + 1) {
            continue; // a duplicate, or a gap: this origin resumes with a later batch; other origins go on
          }
          // One the origin made that this release cannot interpret is skipped but still takes its
          // place in the sequence (and the log, for relays), so the origin's later ones go on.
          mergeIfInterpretable(ctx, m);
          log.logRemote(ctx, m);
        }
        yield Results.applied(ctx.stamped(), false, index);
      }
      case Command.RegisterDataKey key -> {
        AtRest.WrappedKey wrapped = new AtRest.WrappedKey(key.keyId(), key.wrappedKey());
        if (DataKeyring.register(engine, ctx.batch, key.namespace(), wrapped, key.rotate())) {
          engine.atRest().learnDataKey(key.namespace(), wrapped, true);
        }
        yield Results.applied(ctx.stamped(), false, index);
      }
      case Command.Repair repair -> {
        for (Mutation m : repair.mutations()) {
          mergeIfInterpretable(ctx, m);
        }
        repair.versionVector().forEach((origin, seq) -> {
          if (seq > log.seq(origin)) {
            log.setSeq(origin, seq);
          }
        });
        yield Results.applied(ctx.stamped(), false, index);
      }
    };
  }

  /** Renews a live entry's expiry (a new version of the same value); the result carries the new deadline. */
  private CommandResult touch(ApplyContext ctx, Command.Touch touch) {
    EntryKey key = new EntryKey(touch.namespace(), touch.key());
    StoredEntry existing = entries.get(ctx, key);
    if (!StoredEntries.isLive(existing, ctx.now)) {
      return CommandResult.newBuilder().setFormat(StoredEntries.FORMAT)
          .setApplied(Applied.newBuilder().setExisted(false).setIndex(ctx.index)).build();
    }
    Command.Put renewed = new Command.Put(touch.namespace(), touch.key(), existing.getValue().toByteArray(),
        existing.getMetadataMap(), existing.getTagsList(), touch.ttlMillis(), touch.expiresAtMillis(),
        WriteCondition.NONE);
    return Results.applied(localPut(ctx, key, existing, renewed), true, ctx.index,
        Applied.newBuilder().setExpiresAtUnixMs(touch.expiresAtMillis()));
  }

  private CommandResult txn(ApplyContext ctx, Command.Txn txn) {
    for (Command.TxnCheck check : txn.checks()) {
      StoredEntry existing = entries.get(ctx, new EntryKey(txn.namespace(), check.key()));
      CommandResult failed = Results.checkCondition(check.condition(), existing, ctx.now, check.key());
      if (failed != null) {
        return failed;
      }
    }
    Version highest = ctx.stamped();
    for (Command.Put put : txn.puts()) {
      EntryKey key = new EntryKey(txn.namespace(), put.key());
      Version v = localPut(ctx, key, entries.get(ctx, key), put);
      highest = v.compareTo(highest) > 0 ? v : highest;
    }
    for (Command.Delete delete : txn.deletes()) {
      EntryKey key = new EntryKey(txn.namespace(), delete.key());
      Version v = localDelete(ctx, key, entries.get(ctx, key), ChangeKind.DELETE);
      highest = v.compareTo(highest) > 0 ? v : highest;
    }
    return Results.applied(highest, false, ctx.index);
  }

  // ---- local changes: written, then logged for the other regions ----

  private Version localPut(ApplyContext ctx, EntryKey key, StoredEntry existing, Command.Put put) {
    Version version = Entries.nextVersion(ctx.proposal, existing);
    StoredEntry entry = Entries.value(put.value(), version, put.metadata(), put.tags(), put.expiresAtMillis());
    purges.putUnlessPurged(ctx, key, existing, entry);
    log.logLocal(ctx, Mutation.newBuilder().setKind(MutationKind.MUTATION_PUT)
        .setNamespace(key.namespace()).setKey(ByteString.copyFrom(key.key())).setVersion(version.toProto())
        .setValue(entry.getValue()).putAllMetadata(put.metadata()).addAllTags(put.tags())
        .setExpiresAtUnixMs(put.expiresAtMillis()));
    return version;
  }

  private Version localDelete(ApplyContext ctx, EntryKey key, StoredEntry existing, ChangeKind kind) {
    Version version = Entries.nextVersion(ctx.proposal, existing);
    entries.delete(ctx, key, existing, version, kind);
    log.logLocal(ctx, Mutation.newBuilder().setKind(MutationKind.MUTATION_DELETE)
        .setNamespace(key.namespace()).setKey(ByteString.copyFrom(key.key())).setVersion(version.toProto()));
    return version;
  }

  // ---- merging a mutation made elsewhere (remote push, relay, repair) ----

  private void mergeIfInterpretable(ApplyContext ctx, Mutation m) {
    Optional<Refusal> refused = CommandRules.checkMutation(m);
    if (refused.isPresent()) {
      LOG.warn("shard {}: index {}: skipped mutation {} of {}: {}", shard, ctx.index, m.getSeq(), m.getOriginRegion(),
          refused.get().message());
      return;
    }
    Version version = Version.of(m.getVersion());
    switch (m.getKind()) {
      case MUTATION_PUT -> {
        EntryKey key = new EntryKey(m.getNamespace(), m.getKey().toByteArray());
        StoredEntry existing = entries.get(ctx, key);
        if (existing == null || StoredEntries.version(existing).compareTo(version) < 0) {
          purges.putUnlessPurged(ctx, key, existing, Entries.value(m.getValue().toByteArray(), version,
              m.getMetadataMap(), m.getTagsList(), m.getExpiresAtUnixMs()));
        }
      }
      case MUTATION_DELETE -> {
        EntryKey key = new EntryKey(m.getNamespace(), m.getKey().toByteArray());
        StoredEntry existing = entries.get(ctx, key);
        if (existing == null || StoredEntries.version(existing).compareTo(version) < 0) {
          entries.delete(ctx, key, existing, version, ChangeKind.DELETE);
        }
      }
      case MUTATION_COUNTER -> counters.merge(ctx, m);
      case MUTATION_PURGE -> purges.apply(ctx, CommandCodec.purge(m.getPurge()), version);
      case MUTATION_PUBLISH -> emitPublish(ctx, m, version);
      case MUTATION_KIND_UNSPECIFIED, UNRECOGNIZED -> {
        // never reached: CommandRules.checkMutation refuses these
      }
    }
  }

  private static void emitPublish(ApplyContext ctx, Mutation m, Version version) {
    ctx.emit(ChangeEvent.newBuilder().setNamespace(m.getPublish().getNamespace()).setVersion(version.toProto())
        .setKind(ChangeKind.PUBLISH).setTopic(m.getPublish().getTopic()).setPayload(m.getPublish().getPayload())
        .setPublishId(m.getPublish().getPublishId()));
  }

  private static void popSavePoint(WriteBatch batch) {
    try {
      batch.popSavePoint();
    } catch (RocksDBException e) {
      throw new StorageException("write batch save point", e);
    }
  }

  private static void rollback(WriteBatch batch) {
    try {
      batch.rollbackToSavePoint();
    } catch (RocksDBException e) {
      throw new StorageException("write batch rollback", e);
    }
  }
}
