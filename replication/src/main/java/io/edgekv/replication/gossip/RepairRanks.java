package io.edgekv.replication.gossip;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * This region's place among the regions that may repair a peer (anti-entropy toward a region
 * behind the log's retention): 0 for the first, by a hash of the names, so that every region
 * computes the same order and usually one region does the work, the next only if it is still
 * needed a while later. The regions are fixed for the shipper's life, so ranks are cached.
 * (Relays are granted by the receiving region instead: {@link Receiver}.)
 */
final class RepairRanks {
  private final String self;
  private final List<String> otherRegions;
  private final Map<String, Integer> ranks = new ConcurrentHashMap<>();

  RepairRanks(String self, List<String> otherRegions) {
    this.self = self;
    this.otherRegions = List.copyOf(otherRegions);
  }

  int rank(String origin, String peer) {
    return ranks.computeIfAbsent(origin + "/" + peer, k -> compute(origin, peer));
  }

  private int compute(String origin, String peer) {
    long mine = order(origin, peer, self);
    int rank = 0;
    for (String other : otherRegions) {
      if (!other.equals(origin) && !other.equals(peer) && order(origin, peer, other) < mine) {
        rank++;
      }
    }
    return rank;
  }

  private static long order(String origin, String peer, String candidate) {
    CRC32C crc = new CRC32C();
    crc.update((origin + "\u0000" + peer + "\u0000" + candidate).getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }
}
