package io.edgekv.client;

import java.time.Instant;
import java.util.List;

/**
 * When each region applied a purge (its purge receipts), as the node asked learned it.
 *
 * @param regions one receipt per region of the topology
 */
public record PurgeStatus(String purgeId, List<RegionReceipt> regions) {
  public PurgeStatus {
    regions = List.copyOf(regions);
  }

  /** True when every region has applied the purge. */
  public boolean appliedEverywhere() {
    return regions.stream().allMatch(RegionReceipt::applied);
  }

  /**
   * One region's receipt.
   *
   * @param applied the purge is applied in every shard it covers in the region
   * @param appliedAtHlc the region's hybrid clock when it applied it (0 if not applied)
   * @param appliedAt its physical time (null if not applied)
   * @param index the region's Raft applied index of the purge
   * @param node the node that answered for the region
   * @param error non-empty when no node of the region answered
   */
  public record RegionReceipt(String region, boolean applied, long appliedAtHlc, Instant appliedAt, long index,
      int shardsApplied, int shards, String node, String error) {}
}
