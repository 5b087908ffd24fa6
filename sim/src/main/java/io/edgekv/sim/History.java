package io.edgekv.sim;

import io.edgekv.api.v1.Version;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.ReplicationKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What happened, kept outside the system under test: every write each region committed (with the
 * version its leader gave it, and whether the client got the acknowledgement), every purge, and
 * when each replicated mutation reached each region. The checkers compare the PoPs' final state
 * with what last-writer-wins over this history implies; the figures come from it too.
 */
final class History {
  enum Kind { PUT, DELETE, INCREMENT, PURGE_KEY, PURGE_PREFIX, PURGE_TAG }

  /** One committed client operation. */
  static final class Op {
    final Kind kind;
    /** The key, or for prefix and tag purges the prefix or tag. */
    final String target;
    final List<String> tags;
    final long hlc;
    final String origin;
    final long delta;
    boolean acked;

    Op(Kind kind, String target, List<String> tags, long hlc, String origin, long delta) {
      this.kind = kind;
      this.target = target;
      this.tags = tags;
      this.hlc = hlc;
      this.origin = origin;
      this.delta = delta;
    }

    /** Versions order by hlc, then origin region (the production rule, restated independently). */
    int compareVersion(long otherHlc, String otherOrigin) {
      return hlc != otherHlc ? Long.compare(hlc, otherHlc) : origin.compareTo(otherOrigin);
    }

    boolean covers(Op write) {
      if (compareVersion(write.hlc, write.origin) <= 0) {
        return false;
      }
      return switch (kind) {
        case PURGE_KEY -> target.equals(write.target);
        case PURGE_PREFIX -> write.target.startsWith(target);
        case PURGE_TAG -> write.tags.contains(target);
        default -> false;
      };
    }
  }

  /** Propagation of one logged mutation: made at its origin, then reaching each other region. */
  private static final class Track {
    final long madeAt;
    final int payloadBytes;
    int remaining;
    long lastAt;

    Track(long madeAt, int payloadBytes, int remaining) {
      this.madeAt = madeAt;
      this.payloadBytes = payloadBytes;
      this.remaining = remaining;
    }
  }

  private final int regions;
  private final Map<String, Op> byVersion = new HashMap<>();
  private final Map<String, List<Op>> byKey = new HashMap<>();
  private final List<Op> purges = new ArrayList<>();
  private final Map<String, List<Track>> tracks = new HashMap<>();
  /** Where each version was logged: origin and sequence, for the tombstone-collection check. */
  private final Map<String, Long> seqOfVersion = new HashMap<>();
  long unsafeCollections;
  long collectionsChecked;
  String firstUnsafeCollection = "";

  History(int regions) {
    this.regions = regions;
  }

  private static String versionKey(long hlc, String origin) {
    return hlc + "/" + origin;
  }

  /** A region's leader applied one of its own client commands (the first PoP of the region to apply it). */
  void committed(SimRegion region, long now, Command command, Version version, long seq, int payloadBytes) {
    Op op = switch (command) {
      case Command.Put put -> new Op(Kind.PUT, key(put.key()), put.tags(), version.getHlc(), version.getOriginRegion(), 0);
      case Command.Delete delete -> new Op(Kind.DELETE, key(delete.key()), List.of(), version.getHlc(),
          version.getOriginRegion(), 0);
      case Command.Increment inc -> new Op(Kind.INCREMENT, key(inc.key()), List.of(), version.getHlc(),
          version.getOriginRegion(), inc.delta());
      case Command.Purge purge -> switch (purge.selector()) {
        case Command.PurgeSelector.Key k -> new Op(Kind.PURGE_KEY, key(k.key()), List.of(), version.getHlc(),
            version.getOriginRegion(), 0);
        case Command.PurgeSelector.Prefix p -> new Op(Kind.PURGE_PREFIX, key(p.prefix()), List.of(), version.getHlc(),
            version.getOriginRegion(), 0);
        case Command.PurgeSelector.Tag t -> new Op(Kind.PURGE_TAG, t.tag(), List.of(), version.getHlc(),
            version.getOriginRegion(), 0);
      };
      default -> null;
    };
    if (op == null) {
      return;
    }
    byVersion.put(versionKey(op.hlc, op.origin), op);
    if (op.kind == Kind.PURGE_PREFIX || op.kind == Kind.PURGE_TAG || op.kind == Kind.PURGE_KEY) {
      purges.add(op);
    } else {
      byKey.computeIfAbsent(op.target, k -> new ArrayList<>()).add(op);
    }
    if (seq > 0) {
      seqOfVersion.put(versionKey(op.hlc, op.origin), seq);
      List<Track> list = tracks.computeIfAbsent(region.name(), r -> new ArrayList<>());
      while (list.size() < seq - 1) {
        list.add(null);
      }
      list.add(new Track(now, payloadBytes, regions - 1));
    }
  }

  /** The client got the acknowledgement of the write with this version. */
  void acked(Version version) {
    Op op = byVersion.get(versionKey(version.getHlc(), version.getOriginRegion()));
    if (op != null) {
      op.acked = true;
    }
  }

  /** A region applied (for the first time) sequences {@code from..to} of {@code origin}. */
  void arrived(String origin, long from, long to, long now) {
    List<Track> list = tracks.get(origin);
    if (list == null) {
      return;
    }
    for (long s = from; s <= to && s <= list.size(); s++) {
      Track t = list.get((int) s - 1);
      if (t != null && t.remaining > 0) {
        t.remaining--;
        t.lastAt = now;
      }
    }
  }

  /**
   * A leader is about to propose removing these tombstones: each must have been applied by every
   * region (its origin's sequence at or below every region's vector), or a late write could bring
   * its key back. Records a violation otherwise.
   */
  void checkCollectable(Simulation sim, SimRegion collecting, List<Command.ExpireTarget> targets) {
    Map<String, Map<String, Long>> vectors = new HashMap<>();
    for (Command.ExpireTarget t : targets) {
      collectionsChecked++;
      String origin = t.version().originRegion();
      Long seq = seqOfVersion.get(versionKey(t.version().hlc(), origin));
      for (SimRegion r : sim.regions()) {
        if (r == collecting) {
          continue;
        }
        Map<String, Long> vv = vectors.computeIfAbsent(r.name(), n -> mostAdvanced(r));
        boolean passed = seq != null ? vv.getOrDefault(origin, 0L) >= seq : holdsAtLeast(r, t);
        if (!passed) {
          unsafeCollections++;
          if (firstUnsafeCollection.isEmpty()) {
            firstUnsafeCollection = collecting.name() + " collected the tombstone of '" + key(t.key()) + "' ("
                + t.version().hlc() + "/" + origin + ") before " + r.name() + " applied it";
          }
          break;
        }
      }
    }
  }

  private static Map<String, Long> mostAdvanced(SimRegion region) {
    SimPop best = region.pops().get(0);
    for (SimPop p : region.pops()) {
      if (p.appliedIndex() > best.appliedIndex()) {
        best = p;
      }
    }
    return ReplicationKeys.versionVector(best.engine());
  }

  private static boolean holdsAtLeast(SimRegion region, Command.ExpireTarget t) {
    for (SimPop p : region.pops()) {
      StoredEntry e = p.engine().entries.get(new EntryKey(t.namespace(), t.key()));
      if (e != null && (e.getHlc() > t.version().hlc()
          || (e.getHlc() == t.version().hlc() && e.getOriginRegion().compareTo(t.version().originRegion()) >= 0))) {
        return true;
      }
    }
    return false;
  }

  static String key(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  Map<String, List<Op>> writesByKey() {
    return byKey;
  }

  List<Op> purges() {
    return purges;
  }

  long committedWrites() {
    return byVersion.size();
  }

  long ackedWrites() {
    return byVersion.values().stream().filter(o -> o.acked).count();
  }

  /** Delays from commit at the origin to the last region, in ms, of mutations every region got; sorted. */
  long[] propagationDelays() {
    return tracks.values().stream().flatMap(List::stream).filter(t -> t != null && t.remaining == 0)
        .mapToLong(t -> t.lastAt - t.madeAt).sorted().toArray();
  }

  long unpropagated() {
    return tracks.values().stream().flatMap(List::stream).filter(t -> t != null && t.remaining > 0).count();
  }

  /** The ideal replication bytes: every mutation's payload once to each other region. */
  long idealBytes() {
    return tracks.values().stream().flatMap(List::stream).filter(t -> t != null)
        .mapToLong(t -> (long) t.payloadBytes * (regions - 1)).sum();
  }
}
