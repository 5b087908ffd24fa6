package io.edgekv.sim;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.gossip.Watermarks;
import io.edgekv.replication.hlc.HybridClock;
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
 * the production shipper ({@code stableBeforeMillis}: the least applied watermark every region
 * reported, {@link Watermarks}) minus the grace period; the tombstones older than it are proposed
 * for removal through the region's log. With none to collect, a shard holding tombstones that
 * applied nothing for {@link Watermarks#tickAfterMillis} proposes an empty collection, as
 * {@code Housekeeping} does. Before proposing, the simulation checks the claim the cutoff stands
 * for: every region has applied each of them.
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
    long now = leader.simClock().millis();
    long grace = sim.options().tombstoneGraceMillis();
    long cutoff = stable.isPresent() ? Math.min(stable.getAsLong(), now) - grace : Long.MIN_VALUE;
    List<Command.ExpireTarget> targets = new ArrayList<>();
    boolean[] holds = {false};
    leader.engine().tombstoneIndex.forEachFrom(null, (indexKey, unused) -> {
      holds[0] = true;
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
      long lastEntry = HybridClock.physicalMillis(leader.appliedStamps(0).entry());
      if (holds[0] && lastEntry < now - Watermarks.tickAfterMillis(grace)) {
        inFlight = leader.simRegion().submit(Proposal.unkeyed(new Command.CollectTombstones(List.of())))
            .exceptionally(error -> null);
      }
      return;
    }
    sim.history().checkCollectable(sim, leader.simRegion(), targets);
    inFlight = leader.simRegion().submit(Proposal.unkeyed(new Command.CollectTombstones(targets)))
        .exceptionally(error -> null);
  }
}
