package io.edgekv.replication.raft;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.storage.AtRest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Makes a namespace's data key replicated state of a shard before the shard's first write of that
 * namespace (encryption at rest, DESIGN section 10): a {@link Command.RegisterDataKey} proposed
 * ahead of the write, so the Raft log orders the key before every write that follows it on every
 * replica. Racing first writes share one registration; apply keeps the first key of a namespace
 * unless a rotation replaces it.
 */
final class DataKeyRegistration {
  /** Proposes a command to a shard (through its pipeline). */
  @FunctionalInterface
  interface Propose {
    CompletableFuture<CommandResult> propose(int shard, Proposal proposal, Deadline deadline);
  }

  private final Supplier<AtRest> atRest;
  private final Propose propose;
  private final IntSupplier shards;
  /** Registrations in flight, one per shard and namespace. */
  private final ConcurrentHashMap<String, CompletableFuture<CommandResult>> inFlight = new ConcurrentHashMap<>();

  DataKeyRegistration(Supplier<AtRest> atRest, Propose propose, IntSupplier shards) {
    this.atRest = atRest;
    this.propose = propose;
    this.shards = shards;
  }

  /** Proposes {@code proposal}, after its namespace's data key if the shard has none yet. */
  CompletableFuture<CommandResult> submit(int shard, Proposal proposal, Deadline deadline) {
    String namespace = writtenNamespace(proposal.command());
    AtRest keys = atRest.get();
    if (namespace == null || !keys.forShard(shard).needsDataKey(namespace)) {
      return propose.propose(shard, proposal, deadline);
    }
    String slot = shard + "/" + namespace;
    CompletableFuture<CommandResult> registered = inFlight.computeIfAbsent(slot, s -> {
      CompletableFuture<CommandResult> f = propose.propose(shard, register(keys, namespace, false), deadline);
      f.whenComplete((r, e) -> inFlight.remove(s));
      return f;
    });
    return registered.thenCompose(r -> propose.propose(shard, proposal, deadline));
  }

  /** A new current key for {@code namespace} on every shard. */
  CompletableFuture<Void> rotate(String namespace, Deadline deadline) {
    List<CompletableFuture<CommandResult>> all = new ArrayList<>();
    for (int shard = 0; shard < shards.getAsInt(); shard++) {
      all.add(propose.propose(shard, register(atRest.get(), namespace, true), deadline));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  private static Proposal register(AtRest keys, String namespace, boolean rotate) {
    AtRest.WrappedKey key = keys.newDataKey(namespace);
    return Proposal.of("", new Command.RegisterDataKey(namespace, key.id(), key.wrapped(), rotate));
  }

  /** The namespace whose values a command writes, or null (batches of several, deletes, expiry). */
  static String writtenNamespace(Command command) {
    return switch (command) {
      case Command.Put put -> put.namespace();
      case Command.Txn txn -> txn.namespace();
      case Command.Touch touch -> touch.namespace();
      case Command.Increment inc -> inc.namespace();
      default -> null;
    };
  }
}
