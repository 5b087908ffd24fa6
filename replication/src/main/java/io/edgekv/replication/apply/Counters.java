package io.edgekv.replication.apply;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Refusal;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.StoredEntries;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PN counters: each region adds to its own increment or decrement slot, which only grows; a
 * counter's value is the sum of its increments minus its decrements ({@link PnCounter}), and two
 * copies merge by per-slot maximum, whatever the order, duplication or relay path.
 */
final class Counters {
  private final Entries entries;
  private final RangeTombstones purges;
  private final ReplicationLog log;

  Counters(Entries entries, RangeTombstones purges, ReplicationLog log) {
    this.entries = entries;
    this.purges = purges;
    this.log = log;
  }

  /**
   * Adds to this region's slot of a PN counter; the result carries the new total. Refused
   * (OUT_OF_RANGE, nothing written) when the slot or the counter's total would leave the signed
   * 64-bit range; a condition failure when the key holds a value that is not a counter.
   */
  CommandResult increment(ApplyContext ctx, Command.Increment inc) {
    EntryKey key = new EntryKey(inc.namespace(), inc.key());
    StoredEntry existing = entries.get(ctx, key);
    boolean live = StoredEntries.isLive(existing, ctx.now);
    if (live && !existing.getCounter()) {
      return Results.conditionFailed(existing, "key holds a value that is not a counter", inc.key());
    }
    Map<String, Long> p = new HashMap<>(live ? existing.getCounterPMap() : Map.of());
    Map<String, Long> n = new HashMap<>(live ? existing.getCounterNMap() : Map.of());
    String region = ctx.proposal.originRegion();
    Map<String, Long> slots = inc.delta() >= 0 ? p : n;
    long amount = Math.abs(inc.delta()); // CommandRules keeps delta above Long.MIN_VALUE
    long slot = slots.getOrDefault(region, 0L);
    if (slot > Long.MAX_VALUE - amount) {
      return Results.failed(Refusal.outOfRange("delta", Long.toString(Long.MAX_VALUE), "counter '"
          + printable(inc.key()) + "': region " + region + "'s " + (inc.delta() >= 0 ? "increments" : "decrements")
          + " would add up to more than " + Long.MAX_VALUE + " (each region's increments and decrements only grow)"));
    }
    slots.put(region, slot + amount);
    BigInteger total = PnCounter.total(p, n);
    if (!PnCounter.inRange(total)) {
      BigInteger limit = total.signum() > 0 ? PnCounter.MAX : PnCounter.MIN;
      return Results.failed(Refusal.outOfRange("delta", limit.toString(), "counter '" + printable(inc.key())
          + "' would total " + total + "; a counter holds " + Long.MIN_VALUE + " to " + Long.MAX_VALUE));
    }
    Version version = Entries.nextVersion(ctx.proposal, existing);
    purges.putUnlessPurged(ctx, key, existing, entry(version, p, n));
    log.logLocal(ctx, Mutation.newBuilder().setKind(MutationKind.MUTATION_COUNTER)
        .setNamespace(key.namespace()).setKey(ByteString.copyFrom(key.key())).setVersion(version.toProto())
        .putCounterP(region, p.getOrDefault(region, 0L)).putCounterN(region, n.getOrDefault(region, 0L)));
    return Results.applied(version, live, ctx.index, Applied.newBuilder().setCounterValue(total.longValue()));
  }

  /** Merges another region's counter mutation: per-slot maximum over a live counter, else last writer wins. */
  void merge(ApplyContext ctx, Mutation m) {
    Version version = Version.of(m.getVersion());
    EntryKey key = new EntryKey(m.getNamespace(), m.getKey().toByteArray());
    StoredEntry existing = entries.get(ctx, key);
    if (existing != null && !existing.getTombstone() && existing.getCounter()) {
      Map<String, Long> p = new HashMap<>(existing.getCounterPMap());
      Map<String, Long> n = new HashMap<>(existing.getCounterNMap());
      m.getCounterPMap().forEach((r, v) -> p.merge(r, v, Math::max));
      m.getCounterNMap().forEach((r, v) -> n.merge(r, v, Math::max));
      Version current = StoredEntries.version(existing);
      Version merged = current.compareTo(version) >= 0 ? current : version;
      if (!p.equals(existing.getCounterPMap()) || !n.equals(existing.getCounterNMap()) || merged != current) {
        purges.putUnlessPurged(ctx, key, existing, entry(merged, p, n));
      }
    } else if (existing == null || StoredEntries.version(existing).compareTo(version) < 0) {
      purges.putUnlessPurged(ctx, key, existing, entry(version, m.getCounterPMap(), m.getCounterNMap()));
    }
  }

  /** A counter entry; its value is the exact total in decimal, flagged when outside the signed 64-bit range. */
  private static StoredEntry entry(Version version, Map<String, Long> p, Map<String, Long> n) {
    BigInteger total = PnCounter.total(p, n);
    byte[] value = total.toString().getBytes(StandardCharsets.UTF_8);
    return Entries.value(value, version, Map.of(), List.of(), 0).toBuilder()
        .setCounter(true).putAllCounterP(p).putAllCounterN(n).setCounterOutOfRange(!PnCounter.inRange(total)).build();
  }

  static String printable(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }
}
