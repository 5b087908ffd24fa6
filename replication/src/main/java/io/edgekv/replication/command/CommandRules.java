package io.edgekv.replication.command;

import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.PurgeCommand;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a replicated command must satisfy to be applied. The node checks these (and its own size
 * limits) where a request enters; the leader checks them again before it proposes
 * ({@code KvStateMachine.startTransaction}), and apply once more, so that no input, nor a log
 * written by another release, makes apply throw or store a wrapped number. Pure functions.
 */
public final class CommandRules {
  /** The longest time to live: ten years of 365 days, far from any overflow of a deadline in ms. */
  public static final long MAX_TTL_MILLIS = 10L * 365 * 24 * 60 * 60 * 1000;
  /**
   * The most negative increment: -(2^63 - 1). A decrement of 2^63 would not fit the region's
   * decrement slot of a PN counter (slots hold non-negative int64).
   */
  public static final long MIN_DELTA = -Long.MAX_VALUE;
  /** Bytes of a data key id (encryption at rest). */
  public static final int DATA_KEY_ID_BYTES = 8;
  /** Largest wrapped data key. */
  public static final int MAX_WRAPPED_KEY_BYTES = 128;

  private CommandRules() {}

  /** The refusal of a command whose fields are out of their limits, or empty when it may be applied. */
  public static Optional<Refusal> check(Command command) {
    return switch (command) {
      case Command.Put put -> put(put, "");
      case Command.Touch touch -> ttl(touch.ttlMillis(), touch.expiresAtMillis(), "ttl_ms");
      case Command.Increment inc -> inc.delta() < MIN_DELTA
          ? Optional.of(Refusal.invalid("delta", Long.toString(MIN_DELTA),
              "delta is " + inc.delta() + "; the limit is " + MIN_DELTA + " to " + Long.MAX_VALUE))
          : Optional.empty();
      case Command.Txn txn -> txn(txn);
      case Command.Delete d -> Optional.empty();
      case Command.Expire e -> Optional.empty();
      case Command.CollectTombstones c -> Optional.empty();
      case Command.Purge p -> Optional.empty();
      case Command.Publish p -> Optional.empty();
      // Remote and repair batches are checked per mutation (checkMutation): one bad mutation
      // must not stop the others of its batch.
      case Command.ApplyRemote r -> Optional.empty();
      case Command.Repair r -> Optional.empty();
      case Command.RegisterDataKey k -> k.namespace().isEmpty() || k.keyId().length != DATA_KEY_ID_BYTES
          || k.wrappedKey().length == 0 || k.wrappedKey().length > MAX_WRAPPED_KEY_BYTES
          ? Optional.of(Refusal.invalid("register_data_key", DATA_KEY_ID_BYTES + " byte id, at most "
              + MAX_WRAPPED_KEY_BYTES + " wrapped bytes", "a data key needs a namespace, an id of "
              + DATA_KEY_ID_BYTES + " bytes and 1 to " + MAX_WRAPPED_KEY_BYTES + " wrapped bytes"))
          : Optional.empty();
    };
  }

  /** The deadline {@code ttlMillis} after {@code nowMillis}; saturates instead of wrapping. */
  public static long expiresAt(long nowMillis, long ttlMillis) {
    long sum = nowMillis + ttlMillis;
    boolean overflowed = ((nowMillis ^ sum) & (ttlMillis ^ sum)) < 0; // the test of Math.addExact
    return overflowed ? (ttlMillis < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
  }

  /**
   * The refusal of a mutation (from another region or a repair) that apply could not interpret:
   * an unknown kind, a purge without a selector, a negative counter slot, a negative expiry, a
   * namespace that would break the key layout. Fields are named inside the mutation.
   */
  public static Optional<Refusal> checkMutation(Mutation m) {
    return switch (m.getKind()) {
      case MUTATION_KIND_UNSPECIFIED, UNRECOGNIZED -> Optional.of(Refusal.invalid("kind", "",
          "mutation kind " + m.getKindValue() + " is not one of PUT, DELETE, PURGE, PUBLISH, COUNTER"));
      case MUTATION_PURGE -> m.getPurge().getSelectorCase() == PurgeCommand.SelectorCase.SELECTOR_NOT_SET
          ? Optional.of(Refusal.invalid("purge", "", "purge mutation without a key, prefix or tag"))
          : namespace(m.getNamespace());
      case MUTATION_COUNTER -> slots(m.getCounterPMap(), "counter_p")
          .or(() -> slots(m.getCounterNMap(), "counter_n")).or(() -> namespace(m.getNamespace()));
      case MUTATION_PUT -> m.getExpiresAtUnixMs() < 0
          ? Optional.of(Refusal.invalid("expires_at_unix_ms", "0",
              "expires_at_unix_ms is " + m.getExpiresAtUnixMs() + "; a deadline is at least 0"))
          : namespace(m.getNamespace());
      case MUTATION_DELETE, MUTATION_PUBLISH -> namespace(m.getNamespace());
    };
  }

  private static Optional<Refusal> put(Command.Put put, String fieldPrefix) {
    return ttl(put.ttlMillis(), put.expiresAtMillis(), fieldPrefix + "ttl_ms");
  }

  private static Optional<Refusal> ttl(long ttlMillis, long expiresAtMillis, String field) {
    if (ttlMillis < 0 || ttlMillis > MAX_TTL_MILLIS) {
      return Optional.of(Refusal.invalid(field, Long.toString(MAX_TTL_MILLIS),
          field + " is " + ttlMillis + "; the limit is " + MAX_TTL_MILLIS + " ms (10 years)"));
    }
    if (expiresAtMillis < 0) {
      return Optional.of(Refusal.invalid("expires_at_unix_ms", "0",
          "expires_at_unix_ms is " + expiresAtMillis + "; a deadline is at least 0"));
    }
    return Optional.empty();
  }

  private static Optional<Refusal> txn(Command.Txn txn) {
    Set<ByteBuffer> written = new HashSet<>();
    for (int i = 0; i < txn.puts().size(); i++) {
      Command.Put put = txn.puts().get(i);
      Optional<Refusal> refused = put(put, "puts[" + i + "].");
      if (refused.isPresent()) {
        return refused;
      }
      if (!written.add(ByteBuffer.wrap(put.key()))) {
        return Optional.of(duplicate());
      }
    }
    for (Command.Delete delete : txn.deletes()) {
      if (!written.add(ByteBuffer.wrap(delete.key()))) {
        return Optional.of(duplicate());
      }
    }
    return Optional.empty();
  }

  private static Refusal duplicate() {
    return Refusal.invalid("ops", "", "ops write one key twice; a transaction writes each key at most once");
  }

  private static Optional<Refusal> slots(Map<String, Long> slots, String field) {
    for (Map.Entry<String, Long> slot : slots.entrySet()) {
      if (slot.getValue() < 0) {
        return Optional.of(Refusal.invalid(field, "0", field + "[" + slot.getKey() + "] is " + slot.getValue()
            + "; counter slots only grow from 0"));
      }
    }
    return Optional.empty();
  }

  private static Optional<Refusal> namespace(String namespace) {
    return namespace.indexOf('\0') >= 0
        ? Optional.of(Refusal.invalid("namespace", "", "namespace contains a NUL character"))
        : Optional.empty();
  }
}
