package io.edgekv.sim;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.StoredEntries;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Tombstone collection on a region leader, as a node runs it every second: the cutoff comes from
 * the production shipper ({@code stableBeforeMillis}: the time before which every other region
 * has applied everything this region holds) minus the grace period; the tombstones older than it
 * are proposed for removal through the region's log. Before proposing, the simulation checks the
 * claim the cutoff stands for: every region has applied each of them.
 */
final class TombstoneCollector {
  private static final int MAX_PER_ROUND = 500;

  private final Simulation sim;
  private final SimPop leader;
  private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);

  TombstoneCollector(Simulation sim, SimPop leader) {
    this.sim = sim;
    this.leader = leader;
  }

  void run() {
    if (leader.shipper() == null || !inFlight.isDone()) {
      return;
    }
    OptionalLong stable = leader.shipper().stableBeforeMillis(0);
    if (stable.isEmpty()) {
      return;
    }
    long cutoff = Math.min(stable.getAsLong(), leader.simClock().millis()) - sim.options().tombstoneGraceMillis();
    List<Command.ExpireTarget> targets = new ArrayList<>();
    leader.engine().tombstoneIndex.forEachFrom(null, (indexKey, unused) -> {
      long at = ByteBuffer.wrap(indexKey).getLong();
      if (at >= cutoff || targets.size() >= MAX_PER_ROUND) {
        return false;
      }
      EntryKey key = EntryKey.fromBytes(Arrays.copyOfRange(indexKey, 8, indexKey.length));
      StoredEntry entry = leader.engine().entries.get(key);
      if (entry != null && entry.getTombstone()) {
        targets.add(new Command.ExpireTarget(key.namespace(), key.key(), StoredEntries.version(entry)));
      }
      return true;
    });
    if (targets.isEmpty()) {
      return;
    }
    sim.history().checkCollectable(sim, leader.simRegion(), targets);
    inFlight = leader.simRegion().submit(Proposal.unkeyed(new Command.CollectTombstones(targets)))
        .exceptionally(error -> null);
  }
}
