package io.edgekv.replication.raft;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ConditionFailed;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StoredEntries;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.WriteBatch;

/**
 * Applies one proposal to a shard's engine: a pure function of (stored state, proposal, log
 * position). It reads no clock, no random source and no local configuration, so every replica
 * writes identical bytes. Everything a proposal changes goes into the caller's one batch.
 */
public final class Applier {
  /** How long a request id is remembered, measured on the proposals' own HLC time. */
  public static final long DEDUP_RETENTION_MILLIS = 60 * 60 * 1000L;
  /** Upper bound of expired deduplication records removed per applied entry. */
  private static final int DEDUP_PRUNE_BATCH = 64;

  private final KvEngine engine;
  private final int shard;

  public Applier(KvEngine engine, int shard) {
    this.engine = engine;
    this.shard = shard;
  }

  /** The outcome of one proposal: its reply and the change events it produced. */
  public record Outcome(CommandResult result, List<ChangeEvent> events) {}

  public Outcome apply(WriteBatch batch, Proposal proposal, long index) {
    byte[] requestId = proposal.requestId().getBytes(StandardCharsets.UTF_8);
    long proposalMillis = HybridClock.physicalMillis(proposal.hlc());
    pruneRequestIds(batch, proposalMillis);
    if (requestId.length > 0) {
      byte[] earlier = engine.requests.get(requestId);
      if (earlier != null) {
        return new Outcome(StoredEntries.decodeResult(earlier), List.of());
      }
    }
    List<ChangeEvent> events = new ArrayList<>(1);
    long now = proposalMillis;
    CommandResult result = switch (proposal.command()) {
      case Command.Put put -> {
        EntryKey key = new EntryKey(put.namespace(), put.key());
        StoredEntry existing = engine.entries.get(key);
        CommandResult failed = checkCondition(put.condition(), existing, now, put.key());
        if (failed != null) {
          yield failed;
        }
        Version version = writePut(batch, key, existing, put, proposal, index, events);
        yield applied(version, StoredEntries.isLive(existing, now), index);
      }
      case Command.Delete delete -> {
        EntryKey key = new EntryKey(delete.namespace(), delete.key());
        StoredEntry existing = engine.entries.get(key);
        CommandResult failed = checkCondition(delete.condition(), existing, now, delete.key());
        if (failed != null) {
          yield failed;
        }
        Version version = writeTombstone(batch, key, existing, proposal, index, ChangeKind.DELETE, events);
        yield applied(version, StoredEntries.isLive(existing, now), index);
      }
      case Command.Touch touch -> {
        EntryKey key = new EntryKey(touch.namespace(), touch.key());
        StoredEntry existing = engine.entries.get(key);
        if (!StoredEntries.isLive(existing, now)) {
          yield CommandResult.newBuilder().setFormat(StoredEntries.FORMAT)
              .setApplied(Applied.newBuilder().setExisted(false).setIndex(index)).build();
        }
        Command.Put renewed = new Command.Put(touch.namespace(), touch.key(), existing.getValue().toByteArray(),
            existing.getMetadataMap(), existing.getTagsList(), touch.ttlMillis(), touch.expiresAtMillis(),
            WriteCondition.NONE);
        Version version = writePut(batch, key, existing, renewed, proposal, index, events);
        yield applied(version, true, index);
      }
      case Command.Expire expire -> {
        for (Command.ExpireTarget target : expire.targets()) {
          EntryKey key = new EntryKey(target.namespace(), target.key());
          StoredEntry existing = engine.entries.get(key);
          boolean stillExpired = existing != null && !existing.getTombstone()
              && StoredEntries.version(existing).equals(target.version())
              && existing.getExpiresAtUnixMs() > 0 && existing.getExpiresAtUnixMs() <= now;
          if (stillExpired) {
            writeTombstone(batch, key, existing, proposal, index, ChangeKind.EXPIRE, events);
          }
        }
        yield applied(new Version(proposal.hlc(), proposal.originRegion()), false, index);
      }
      case Command.Txn txn -> applyTxn(batch, proposal, txn, index, now, events);
    };
    if (requestId.length > 0) {
      engine.requests.put(batch, requestId, result.toByteArray());
      engine.requestsByTime.put(batch, timeKey(proposalMillis, requestId), new byte[0]);
    }
    return new Outcome(result, events);
  }

  private CommandResult applyTxn(WriteBatch batch, Proposal proposal, Command.Txn txn, long index, long now,
      List<ChangeEvent> events) {
    for (Command.TxnCheck check : txn.checks()) {
      StoredEntry existing = engine.entries.get(new EntryKey(txn.namespace(), check.key()));
      CommandResult failed = checkCondition(check.condition(), existing, now, check.key());
      if (failed != null) {
        return failed;
      }
    }
    Version highest = new Version(proposal.hlc(), proposal.originRegion());
    for (Command.Put put : txn.puts()) {
      EntryKey key = new EntryKey(txn.namespace(), put.key());
      Version v = writePut(batch, key, engine.entries.get(key), put, proposal, index, events);
      highest = v.compareTo(highest) > 0 ? v : highest;
    }
    for (Command.Delete delete : txn.deletes()) {
      EntryKey key = new EntryKey(txn.namespace(), delete.key());
      Version v = writeTombstone(batch, key, engine.entries.get(key), proposal, index, ChangeKind.DELETE, events);
      highest = v.compareTo(highest) > 0 ? v : highest;
    }
    return applied(highest, false, index);
  }

  private Version writePut(WriteBatch batch, EntryKey key, StoredEntry existing, Command.Put put, Proposal proposal,
      long index, List<ChangeEvent> events) {
    Version version = nextVersion(proposal, existing);
    StoredEntry entry = StoredEntry.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setValue(ByteString.copyFrom(put.value()))
        .setHlc(version.hlc())
        .setOriginRegion(version.originRegion())
        .putAllMetadata(put.metadata())
        .addAllTags(put.tags())
        .setExpiresAtUnixMs(put.expiresAtMillis())
        .setDigest(ByteString.copyFrom(sha256(put.value())))
        .build();
    unindex(batch, key, existing);
    engine.entries.put(batch, key, entry);
    index(batch, key, entry);
    events.add(event(key, version, ChangeKind.PUT, put.tags(), index));
    return version;
  }

  private Version writeTombstone(WriteBatch batch, EntryKey key, StoredEntry existing, Proposal proposal, long index,
      ChangeKind kind, List<ChangeEvent> events) {
    Version version = nextVersion(proposal, existing);
    unindex(batch, key, existing);
    engine.entries.put(batch, key, StoredEntry.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setHlc(version.hlc())
        .setOriginRegion(version.originRegion())
        .setTombstone(true)
        .build());
    events.add(event(key, version, kind, existing == null ? List.of() : existing.getTagsList(), index));
    return version;
  }

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

  private static CommandResult applied(Version version, boolean existed, long index) {
    return CommandResult.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setApplied(Applied.newBuilder().setVersion(version.toProto()).setExisted(existed).setIndex(index))
        .build();
  }

  private void index(WriteBatch batch, EntryKey key, StoredEntry entry) {
    for (String tag : entry.getTagsList()) {
      engine.tagIndex.put(batch, StoredEntries.tagIndexKey(key, tag), new byte[0]);
    }
    if (entry.getExpiresAtUnixMs() > 0) {
      engine.expiryIndex.put(batch, StoredEntries.expiryIndexKey(entry.getExpiresAtUnixMs(), key), new byte[0]);
    }
  }

  private void unindex(WriteBatch batch, EntryKey key, StoredEntry existing) {
    if (existing == null || existing.getTombstone()) {
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
      engine.requests.delete(batch, java.util.Arrays.copyOfRange(timeKey, 8, timeKey.length));
      return true;
    });
  }

  private static byte[] timeKey(long millis, byte[] requestId) {
    return ByteBuffer.allocate(8 + requestId.length).putLong(millis).put(requestId).array();
  }

  private ChangeEvent event(EntryKey key, Version version, ChangeKind kind, List<String> tags, long index) {
    return ChangeEvent.newBuilder()
        .setNamespace(key.namespace())
        .setKey(ByteString.copyFrom(key.key()))
        .setVersion(version.toProto())
        .setKind(kind)
        .addAllTags(tags)
        .setShard(shard)
        .setIndex(index)
        .build();
  }

  static byte[] sha256(byte[] value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
