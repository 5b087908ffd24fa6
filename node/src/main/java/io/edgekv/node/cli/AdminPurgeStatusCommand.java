package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.PurgeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv admin purge-status ID}: when each region applied a purge (its purge receipts),
 * one line per region: {@code REGION applied|pending [AT index=I]} (or {@code unreachable}).
 */
@Command(name = "purge-status", description = "Show when each region applied a purge.")
final class AdminPurgeStatusCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "ID", description = "The purge id that kv purge printed.")
  private String purgeId;

  @Override
  protected int run(EdgeKvClient client) {
    if (purgeId.isEmpty()) {
      throw usage("ID must not be empty");
    }
    PurgeStatus status;
    try (InvalidationClient invalidation = InvalidationClient.of(client)) {
      status = invalidation.purgeStatus(purgeId);
    }
    if (global().json()) {
      out().json(InvalidationJson.purgeStatus(status));
      return ExitCodes.OK;
    }
    for (PurgeStatus.RegionReceipt r : status.regions()) {
      if (!r.error().isEmpty()) {
        out().line(r.region() + " unreachable " + r.error());
      } else if (r.applied()) {
        out().line(r.region() + " applied " + r.appliedAt() + " index=" + r.index() + " node=" + r.node());
      } else {
        out().line(r.region() + " pending shards=" + r.shardsApplied() + "/" + r.shards() + " node=" + r.node());
      }
    }
    return ExitCodes.OK;
  }
}
