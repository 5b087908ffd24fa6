package io.edgekv.replication.command;

import java.util.List;
import java.util.Map;

/**
 * A replicated command: data, encoded by {@link CommandCodec}, applied by one exhaustive
 * switch in {@link io.edgekv.replication.raft.Applier}. Adding a command makes the compiler
 * list every place that must handle it.
 */
public sealed interface Command {
  String namespace();

  byte[] key();

  /**
   * Writes a value.
   *
   * @param ttlMillis requested time to live, 0 for none
   * @param expiresAtMillis fixed by the leader before the entry is appended (hlc time + ttl)
   */
  record Put(String namespace, byte[] key, byte[] value, Map<String, String> metadata, List<String> tags,
      long ttlMillis, long expiresAtMillis, WriteCondition condition) implements Command {
    public Put withExpiresAt(long expiresAt) {
      return new Put(namespace, key, value, metadata, tags, ttlMillis, expiresAt, condition);
    }
  }

  /** Replaces a value with a versioned tombstone. */
  record Delete(String namespace, byte[] key, WriteCondition condition) implements Command {}
}
