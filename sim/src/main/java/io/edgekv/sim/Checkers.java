package io.edgekv.sim;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.ReplicationKeys;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The invariants checked after heal, each over every PoP's final state against the history:
 *
 * <ul>
 *   <li>{@code convergence}: every PoP holds the same digest of its visible state (live entries
 *       with their versions and value digests, and the purge records);
 *   <li>{@code versionVectors}: every PoP has the same version vector, and for every region it
 *       counts all the mutations that region logged;
 *   <li>{@code acknowledgedWrites}: no acknowledged write is lost: each key holds, on every PoP, a
 *       version at least that of its newest acknowledged write, unless that write was purged or
 *       deleted by a newer one;
 *   <li>{@code noResurrection}: a key whose newest write is a delete, or that a newer purge (by
 *       key, prefix or tag) covers, is not live on any PoP;
 *   <li>{@code lastWriterWins}: a key whose newest write is a put holds exactly that version;
 *   <li>{@code countersExact}: every counter totals the sum of all committed increments;
 *   <li>{@code tombstoneCollection}: no tombstone was collected before every region had applied it
 *       (checked each time a leader proposed a collection).
 * </ul>
 */
final class Checkers {
  private final Map<String, String> verdicts = new LinkedHashMap<>();
  private final List<String> details = new ArrayList<>();
  private String stateDigest = "";

  Map<String, String> verdicts() {
    return verdicts;
  }

  List<String> details() {
    return details;
  }

  /** The digest every PoP agreed on (or the first PoP's, if they did not). */
  String stateDigest() {
    return stateDigest;
  }

  void run(Simulation sim) {
    List<SimPop> pops = sim.pops();
    History history = sim.history();
    // Convergence and vectors.
    String firstDigest = null;
    Map<String, Long> firstVector = null;
    int digestMismatch = 0;
    int vectorMismatch = 0;
    for (SimPop pop : pops) {
      String d = visibleDigest(pop);
      Map<String, Long> vv = ReplicationKeys.versionVector(pop.engine());
      if (firstDigest == null) {
        firstDigest = d;
        firstVector = vv;
        stateDigest = d;
      }
      if (!d.equals(firstDigest)) {
        if (digestMismatch++ == 0) {
          details.add("convergence: " + pop.id() + " holds digest " + d.substring(0, 16) + ", " + pops.get(0).id()
              + " holds " + firstDigest.substring(0, 16));
        }
      }
      if (!vv.equals(firstVector)) {
        if (vectorMismatch++ == 0) {
          details.add("versionVectors: " + pop.id() + " has " + new TreeMap<>(vv) + ", " + pops.get(0).id()
              + " has " + new TreeMap<>(firstVector));
        }
      }
    }
    for (SimRegion region : sim.regions()) {
      long logged = ReplicationKeys.readSeq(region.pops().get(0).engine(), region.name());
      if (firstVector != null && firstVector.getOrDefault(region.name(), 0L) != logged) {
        vectorMismatch++;
        details.add("versionVectors: " + region.name() + " logged " + logged + " mutations, vectors count "
            + firstVector.getOrDefault(region.name(), 0L));
      }
    }
    verdicts.put("convergence", digestMismatch == 0 ? "valid" : "invalid");
    verdicts.put("versionVectors", vectorMismatch == 0 ? "valid" : "invalid");
    checkKeys(sim, history, pops);
    verdicts.put("tombstoneCollection", history.unsafeCollections == 0 ? "valid" : "invalid");
    if (history.unsafeCollections > 0) {
      details.add("tombstoneCollection: " + history.unsafeCollections + " unsafe; first: "
          + history.firstUnsafeCollection);
    }
  }

  private void checkKeys(Simulation sim, History history, List<SimPop> pops) {
    long lost = 0;
    long resurrected = 0;
    long wrongVersion = 0;
    long wrongCounter = 0;
    for (Map.Entry<String, List<History.Op>> e : new TreeMap<>(history.writesByKey()).entrySet()) {
      String key = e.getKey();
      List<History.Op> ops = e.getValue();
      History.Op winner = null;
      History.Op newestAcked = null;
      BigInteger counter = BigInteger.ZERO;
      boolean isCounter = false;
      for (History.Op op : ops) {
        if (winner == null || op.compareVersion(winner.hlc, winner.origin) > 0) {
          winner = op;
        }
        if (op.acked && (newestAcked == null || op.compareVersion(newestAcked.hlc, newestAcked.origin) > 0)) {
          newestAcked = op;
        }
        if (op.kind == History.Kind.INCREMENT) {
          isCounter = true;
          counter = counter.add(BigInteger.valueOf(op.delta));
        }
      }
      final History.Op w = winner;
      boolean purged = history.purges().stream().anyMatch(p -> p.covers(w));
      boolean expectLive = (w.kind == History.Kind.PUT || w.kind == History.Kind.INCREMENT) && !purged;
      EntryKey entryKey = new EntryKey("", key.getBytes(StandardCharsets.UTF_8));
      for (SimPop pop : pops) {
        StoredEntry entry = pop.engine().entries.get(entryKey);
        boolean live = entry != null && !entry.getTombstone();
        if (expectLive && !live) {
          if (lost++ == 0) {
            details.add("acknowledgedWrites: '" + key + "' is missing on " + pop.id() + " (newest write "
                + w.hlc + "/" + w.origin + ", acknowledged: " + w.acked + ")");
          }
          continue;
        }
        if (!expectLive && live) {
          if (resurrected++ == 0) {
            details.add("noResurrection: '" + key + "' is live on " + pop.id() + " at " + entry.getHlc() + "/"
                + entry.getOriginRegion() + " after " + (purged ? "a purge" : "a delete at " + w.hlc + "/" + w.origin));
          }
          continue;
        }
        if (live && newestAcked != null && newestAcked.compareVersion(entry.getHlc(), entry.getOriginRegion()) > 0) {
          if (lost++ == 0) {
            details.add("acknowledgedWrites: '" + key + "' on " + pop.id() + " is at " + entry.getHlc() + "/"
                + entry.getOriginRegion() + ", older than the acknowledged " + newestAcked.hlc + "/" + newestAcked.origin);
          }
        }
        if (live && !isCounter && w.compareVersion(entry.getHlc(), entry.getOriginRegion()) != 0) {
          if (wrongVersion++ == 0) {
            details.add("lastWriterWins: '" + key + "' on " + pop.id() + " holds " + entry.getHlc() + "/"
                + entry.getOriginRegion() + ", the newest write is " + w.hlc + "/" + w.origin);
          }
        }
        if (live && isCounter) {
          BigInteger total = counterTotal(entry);
          if (!total.equals(counter)) {
            if (wrongCounter++ == 0) {
              details.add("countersExact: '" + key + "' on " + pop.id() + " totals " + total + ", increments add up to "
                  + counter);
            }
          }
        }
      }
    }
    verdicts.put("acknowledgedWrites", lost == 0 ? "valid" : "invalid");
    verdicts.put("noResurrection", resurrected == 0 ? "valid" : "invalid");
    verdicts.put("lastWriterWins", wrongVersion == 0 ? "valid" : "invalid");
    verdicts.put("countersExact", wrongCounter == 0 ? "valid" : "invalid");
  }

  /** SHA-256 over a PoP's live entries (key, version, value digest) and purge records, in key order. */
  static String visibleDigest(SimPop pop) {
    MessageDigest d = sha256();
    pop.engine().entries.forEachFrom(null, (key, entry) -> {
      if (!entry.getTombstone()) {
        d.update(key.toBytes());
        d.update(ByteBuffer.allocate(8).putLong(entry.getHlc()).array());
        d.update(entry.getOriginRegion().getBytes(StandardCharsets.UTF_8));
        ByteString digest = entry.getDigest();
        d.update(digest.isEmpty() ? entry.getValue().toByteArray() : digest.toByteArray());
        d.update(entry.getCounter() ? counterTotal(entry).toByteArray()
            : new byte[0]);
      }
      return true;
    });
    pop.engine().purges.forEachFrom(null, (key, version) -> {
      d.update(key);
      d.update(version);
      return true;
    });
    return HexFormat.of().formatHex(d.digest());
  }

  /** A PN counter's value, computed here rather than by the code under test: increments minus decrements. */
  private static BigInteger counterTotal(StoredEntry entry) {
    BigInteger total = BigInteger.ZERO;
    for (long p : entry.getCounterPMap().values()) {
      total = total.add(BigInteger.valueOf(p));
    }
    for (long n : entry.getCounterNMap().values()) {
      total = total.subtract(BigInteger.valueOf(n));
    }
    return total;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
