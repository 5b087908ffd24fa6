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
    CommandResult result = switch (proposal.command()) {
      case Command.Put put -> applyPut(batch, proposal, put, index, events);
      case Command.Delete delete -> applyDelete(batch, proposal, delete, index, events);
    };
    if (requestId.length > 0) {
      engine.requests.put(batch, requestId, result.toByteArray());
      engine.requestsByTime.put(batch, timeKey(proposalMillis, requestId), new byte[0]);
    }
    return new Outcome(result, events);
  }

  private CommandResult applyPut(WriteBatch batch, Proposal proposal, Command.Put put, long index,
      List<ChangeEvent> events) {
    EntryKey key = new EntryKey(put.namespace(), put.key());
    StoredEntry existing = engine.entries.get(key);
    long now = HybridClock.physicalMillis(proposal.hlc());
    CommandResult failed = checkCondition(put.condition(), existing, now);
    if (failed != null) {
      return failed;
    }
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
    return applied(version, StoredEntries.isLive(existing, now), index);
  }

  private CommandResult applyDelete(WriteBatch batch, Proposal proposal, Command.Delete delete, long index,
      List<ChangeEvent> events) {
    EntryKey key = new EntryKey(delete.namespace(), delete.key());
    StoredEntry existing = engine.entries.get(key);
    long now = HybridClock.physicalMillis(proposal.hlc());
    CommandResult failed = checkCondition(delete.condition(), existing, now);
    if (failed != null) {
      return failed;
    }
    boolean existed = StoredEntries.isLive(existing, now);
    Version version = nextVersion(proposal, existing);
    unindex(batch, key, existing);
    engine.entries.put(batch, key, StoredEntry.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setHlc(version.hlc())
        .setOriginRegion(version.originRegion())
        .setTombstone(true)
        .build());
    events.add(event(key, version, ChangeKind.DELETE,
        existing == null ? List.of() : existing.getTagsList(), index));
    return applied(version, existed, index);
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

  private static CommandResult checkCondition(WriteCondition condition, StoredEntry existing, long now) {
    boolean live = StoredEntries.isLive(existing, now);
    return switch (condition) {
      case WriteCondition.None none -> null;
      case WriteCondition.IfAbsent absent -> live ? conditionFailed(existing, "key exists") : null;
      case WriteCondition.IfVersion ifVersion -> {
        if (!live) {
          yield conditionFailed(null, "key does not exist");
        }
        yield StoredEntries.version(existing).equals(ifVersion.expected())
            ? null : conditionFailed(existing, "version differs");
      }
    };
  }

  private static CommandResult conditionFailed(StoredEntry current, String reason) {
    ConditionFailed.Builder failed = ConditionFailed.newBuilder().setReason(reason).setFound(current != null);
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
