package io.edgekv.replication.command;

import io.edgekv.replication.Version;
import java.util.List;
import java.util.Map;
import io.edgekv.internal.v1.Mutation;

/**
 * A replicated command: data, encoded by {@link CommandCodec}, applied by one exhaustive
 * switch in {@link io.edgekv.replication.apply.Applier}. Adding a command makes the compiler
 * list every place that must handle it.
 */
public sealed interface Command {
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

  /** Gives a live key a new expiry (and a new version); {@code expiresAtMillis} is fixed by the leader. */
  record Touch(String namespace, byte[] key, long ttlMillis, long expiresAtMillis) implements Command {
    public Touch withExpiresAt(long expiresAt) {
      return new Touch(namespace, key, ttlMillis, expiresAt);
    }
  }

  /** Removes expired entries found by the leader's sweep, each only if it still has the swept version. */
  record Expire(List<ExpireTarget> targets) implements Command {}

  record ExpireTarget(String namespace, byte[] key, Version version) {}

  /**
   * Removes tombstones that every region has applied, plus a grace period (found by the
   * leader); each only if it is still that tombstone.
   */
  record CollectTombstones(List<ExpireTarget> targets) implements Command {}

  /** Checks conditions on several keys of one shard, then applies all the puts and deletes, or none. */
  record Txn(String namespace, List<TxnCheck> checks, List<Put> puts, List<Delete> deletes) implements Command {
    public Txn withExpiresAt(long hlcMillis) {
      return new Txn(namespace, checks,
          puts.stream()
              .map(p -> p.ttlMillis() > 0 ? p.withExpiresAt(CommandRules.expiresAt(hlcMillis, p.ttlMillis())) : p)
              .toList(), deletes);
    }
  }

  record TxnCheck(byte[] key, WriteCondition condition) {}

  /** Adds {@code delta} to this region's slot of a PN counter. */
  record Increment(String namespace, byte[] key, long delta) implements Command {}

  /** A range tombstone: hides every matching entry older than the purge, also ones that arrive later. */
  record Purge(String namespace, PurgeSelector selector, boolean soft, String purgeId) implements Command {}

  /** What a purge matches. */
  sealed interface PurgeSelector {
    record Key(byte[] key) implements PurgeSelector {}

    record Prefix(byte[] prefix) implements PurgeSelector {}

    record Tag(String tag) implements PurgeSelector {}
  }

  /** An application invalidation for every region's subscribers of {@code topic}. */
  record Publish(String namespace, String topic, byte[] payload, String publishId) implements Command {}

  /** Mutations of other regions, applied in per-origin order; duplicates and overlaps are skipped. */
  record ApplyRemote(List<Mutation> mutations) implements Command {}

  /**
   * Encryption at rest: {@code namespace}'s data key (wrapped by a master key) becomes the shard's
   * replicated state; with {@code rotate} it replaces the current one for new writes.
   */
  record RegisterDataKey(String namespace, byte[] keyId, byte[] wrappedKey, boolean rotate) implements Command {}

  /** Anti-entropy: another region's state for some keys, merged by last-writer-wins. */
  record Repair(List<Mutation> mutations, Map<String, Long> versionVector) implements Command {}
}
