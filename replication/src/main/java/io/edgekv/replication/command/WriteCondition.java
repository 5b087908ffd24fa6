package io.edgekv.replication.command;

import io.edgekv.api.v1.Condition;
import io.edgekv.replication.Version;

/** What must hold for a write to apply, checked atomically in the key's Raft group. */
public sealed interface WriteCondition {
  record None() implements WriteCondition {}

  record IfAbsent() implements WriteCondition {}

  record IfVersion(Version expected) implements WriteCondition {}

  WriteCondition NONE = new None();

  static WriteCondition of(Condition condition) {
    return switch (condition.getKindCase()) {
      case IF_ABSENT -> condition.getIfAbsent() ? new IfAbsent() : NONE;
      case IF_VERSION -> new IfVersion(Version.of(condition.getIfVersion()));
      case KIND_NOT_SET -> NONE;
    };
  }

  default Condition toProto() {
    return switch (this) {
      case None n -> Condition.getDefaultInstance();
      case IfAbsent a -> Condition.newBuilder().setIfAbsent(true).build();
      case IfVersion v -> Condition.newBuilder().setIfVersion(v.expected().toProto()).build();
    };
  }
}
