package io.edgekv.replication.gossip;

import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.replication.raft.ReplicaView;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applied watermarks, the safety rule of tombstone collection (docs/replication.md): a region's
 * applied watermark is an HLC at or below which it has applied every mutation of every region. A
 * tombstone may be collected only once every region's watermark, as that region reported it
 * (never inferred from what other regions hold), is past the tombstone's HLC plus the grace: then
 * every region has applied the tombstone and every older write of its key, so nothing older can
 * arrive later and bring the key back.
 *
 * <p>Per origin, this replica knows it has applied everything that origin stamped at or below:
 * the stamp of the origin's last mutation it applied in sequence ({@link AppliedStamps}), or a
 * claim the origin sent (every mutation it stamped at or below {@code hlc} has a sequence at or
 * below {@code seq}) once this replica's vector reaches {@code seq}. For its own region, the
 * stamp of the last log entry it applied. The watermark is the least of these over every region
 * of the topology: a region never heard from keeps it at 0.
 *
 * <p>Claims live in memory: after a restart the watermark starts lower, which is safe (a watermark
 * reported earlier stays true, since applied state is durable). Thread-safe.
 */
public final class Watermarks {
  /** Claims per origin kept while this replica's vector has not reached them yet. */
  private static final int MAX_PENDING = 16;

  /**
   * How old the last applied entry's stamp may get, on a shard holding tombstones, before its
   * leader proposes an empty collection to move it on: a tenth of the grace, at least a second.
   * A region that applies nothing else (no writes of its own, none from elsewhere) would otherwise
   * hold every region's tombstones forever, its watermark stuck at its last entry.
   */
  public static long tickAfterMillis(long graceMillis) {
    return Math.max(1_000, graceMillis / 10);
  }

  /** An origin's claim: every mutation it stamped at or below {@code hlc} has a sequence at or below {@code seq}. */
  public record Claim(long seq, long hlc) {}

  /** Per origin: the highest claimed stamp already covered, and the claims not covered yet. */
  private static final class Claims {
    long covered;
    final ArrayDeque<Claim> pending = new ArrayDeque<>();
  }

  private final ReplicaView replica;
  private final List<String> regions;
  private final Map<Integer, Map<String, Claims>> byShard = new ConcurrentHashMap<>();

  /** @param regions every region of the topology, this one included */
  public Watermarks(ReplicaView replica, List<String> regions) {
    this.replica = replica;
    this.regions = List.copyOf(regions);
  }

  /** This region's claim for its own mutations, from this replica's applied state (0s when it knows none). */
  public Claim ownClaim(int shard) {
    AppliedStamps applied = replica.appliedStamps(shard);
    return new Claim(applied.vector().getOrDefault(replica.region(), 0L), applied.entry());
  }

  /** Records a claim another region sent about its own mutations. */
  public void claimed(int shard, String origin, long seq, long hlc) {
    if (hlc <= 0 || origin.equals(replica.region())) {
      return;
    }
    Map<String, Claims> claims = byShard.computeIfAbsent(shard, s -> new HashMap<>());
    synchronized (claims) {
      Claims c = claims.computeIfAbsent(origin, o -> new Claims());
      if (hlc <= c.covered || (!c.pending.isEmpty() && hlc <= c.pending.peekLast().hlc())) {
        return; // an older claim (reordered): a newer one is known
      }
      if (c.pending.size() >= MAX_PENDING) {
        c.pending.removeFirst();
      }
      c.pending.addLast(new Claim(seq, hlc));
    }
  }

  /** This replica's applied watermark of {@code shard} (an HLC; 0 when some region is unknown). */
  public long watermark(int shard) {
    AppliedStamps applied = replica.appliedStamps(shard);
    Map<String, Claims> claims = byShard.computeIfAbsent(shard, s -> new HashMap<>());
    long least = Long.MAX_VALUE;
    synchronized (claims) {
      for (String region : regions) {
        long known;
        if (region.equals(replica.region())) {
          known = applied.entry();
        } else {
          known = applied.byOrigin().getOrDefault(region, 0L);
          Claims c = claims.get(region);
          if (c != null) {
            long seq = applied.vector().getOrDefault(region, 0L);
            while (!c.pending.isEmpty() && c.pending.peekFirst().seq() <= seq) {
              c.covered = Math.max(c.covered, c.pending.removeFirst().hlc());
            }
            known = Math.max(known, c.covered);
          }
        }
        least = Math.min(least, known);
      }
    }
    return least == Long.MAX_VALUE ? 0 : least;
  }
}
