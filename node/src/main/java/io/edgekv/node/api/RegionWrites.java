package io.edgekv.node.api;

import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandFailed;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.Version;
import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.command.Refusal;
import io.edgekv.replication.raft.RegionReplica;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The one way the public services write: propose to the shard's Raft group, turn a region
 * without quorum into {@link RegionUnavailableException} (with a healthy-region hint), a failed
 * condition into {@link ConditionNotMetException}, a command apply refused into
 * {@link InvalidInputException} or {@link OutOfRangeException}, and wait (bounded) until this node has applied
 * the write itself, so that a read on the node that took the call sees it.
 */
public final class RegionWrites {
  private final RegionReplica replica;
  private final Supplier<NodeConfig.Region> healthyRegion;

  public RegionWrites(RegionReplica replica, Supplier<NodeConfig.Region> healthyRegion) {
    this.replica = replica;
    this.healthyRegion = healthyRegion;
  }

  public CompletableFuture<Applied> write(int shard, Proposal proposal) {
    return write(shard, proposal, Calls.deadline());
  }

  /**
   * Proposes by {@code deadline}; the reply waits for the local apply (bounded:
   * {@link RegionReplica#submitAndApplyLocally}) at most until then too.
   */
  public CompletableFuture<Applied> write(int shard, Proposal proposal, Deadline deadline) {
    return replica.submitAndApplyLocally(shard, proposal, deadline).exceptionally(error -> {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof WriteUnavailableException unavailable) {
        NodeConfig.Region healthy = healthyRegion.get();
        throw new RegionUnavailableException(unavailable.getMessage(), healthy == null ? "" : healthy.name(),
            healthy == null ? List.of() : healthy.nodes().stream().map(NodeConfig.NodeAddress::publicAddress).toList());
      }
      throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }).thenApply(result -> {
      if (result.getOutcomeCase() == CommandResult.OutcomeCase.CONDITION_FAILED) {
        var failed = result.getConditionFailed();
        String key = failed.getKey().isValidUtf8() ? failed.getKey().toStringUtf8()
            : "base64:" + Base64.getEncoder().encodeToString(failed.getKey().toByteArray());
        throw new ConditionNotMetException("condition failed on key '" + key + "': " + failed.getReason()
            + (failed.getFound() ? " (current version " + Version.of(failed.getCurrent()) + ")" : ""),
            key, failed.getFound() ? Version.of(failed.getCurrent()) : null);
      }
      if (result.getOutcomeCase() == CommandResult.OutcomeCase.FAILED) {
        throw refused(result.getFailed());
      }
      return result.getApplied();
    });
  }

  /** The domain exception for a command that apply refused (recorded alike on every replica). */
  static RuntimeException refused(CommandFailed failed) {
    return switch (failed.getCode()) {
      case Refusal.INVALID_ARGUMENT ->
          new InvalidInputException(failed.getField(), failed.getLimit(), failed.getMessage());
      case Refusal.OUT_OF_RANGE -> new OutOfRangeException(failed.getField(), failed.getLimit(), failed.getMessage());
      default -> new IllegalStateException("the write was not applied: " + failed.getMessage());
    };
  }
}
