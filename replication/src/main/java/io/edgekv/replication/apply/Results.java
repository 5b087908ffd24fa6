package io.edgekv.replication.apply;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ConditionFailed;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Refusal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.storage.StoredEntries;

/** The results apply records: applied, condition failed, or refused ({@code CommandFailed}). */
final class Results {
  private Results() {}

  static CommandResult applied(Version version, boolean existed, long index) {
    return CommandResult.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setApplied(Applied.newBuilder().setVersion(version.toProto()).setExisted(existed).setIndex(index))
        .build();
  }

  /** {@link #applied} with what the command computed besides its version (a counter's total, an expiry). */
  static CommandResult applied(Version version, boolean existed, long index, Applied.Builder extra) {
    return CommandResult.newBuilder()
        .setFormat(StoredEntries.FORMAT)
        .setApplied(extra.setVersion(version.toProto()).setExisted(existed).setIndex(index))
        .build();
  }

  static CommandResult failed(Refusal refusal) {
    return CommandResult.newBuilder().setFormat(StoredEntries.FORMAT).setFailed(refusal.toProto()).build();
  }

  /** The failure of a write condition on {@code existing} at {@code now}, or null when it holds. */
  static CommandResult checkCondition(WriteCondition condition, StoredEntry existing, long now, byte[] key) {
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

  static CommandResult conditionFailed(StoredEntry current, String reason, byte[] key) {
    ConditionFailed.Builder failed = ConditionFailed.newBuilder().setReason(reason).setFound(current != null)
        .setKey(ByteString.copyFrom(key));
    if (current != null) {
      failed.setCurrent(StoredEntries.version(current).toProto());
    }
    return CommandResult.newBuilder().setFormat(StoredEntries.FORMAT).setConditionFailed(failed).build();
  }
}
