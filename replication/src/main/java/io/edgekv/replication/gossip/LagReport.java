package io.edgekv.replication.gossip;

/**
 * How far another region is behind this one, per shard, as this region's shard leader last
 * learned it: entries this region holds that the other has not applied, and the age of the
 * oldest of them (0 when none).
 */
public record LagReport(String toRegion, int shard, long entries, long seconds, long ageMillis,
    boolean needsRepair) {}
