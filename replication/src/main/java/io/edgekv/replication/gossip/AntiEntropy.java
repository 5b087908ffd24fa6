package io.edgekv.replication.gossip;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.Version;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.PurgeCommand;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.replication.storage.StorageException;

/**
 * Anti-entropy over a shard's whole state: entries are hashed into buckets by key; two
 * regions compare one digest per bucket (a flat Merkle level) and exchange only the entries of
 * the buckets that differ, merged by last-writer-wins. Used when a region fell behind the
 * replication log's retention, and on {@code edgekv admin repair}.
 */
public final class AntiEntropy {
  public static final int DEFAULT_BUCKETS = 256;

  private AntiEntropy() {}

  public static int bucketOf(EntryKey key, int buckets) {
    CRC32C crc = new CRC32C();
    crc.update(key.toBytes());
    return (int) (crc.getValue() % buckets);
  }

  /** One SHA-256 per bucket over (key, version, tombstone, value digest, a counter's slots) in key order, plus the purge records. */
  public static List<ByteString> digests(KvEngine engine, int buckets) {
    MessageDigest[] digests = new MessageDigest[buckets];
    for (int i = 0; i < buckets; i++) {
      digests[i] = sha256();
    }
    engine.entries.forEachFrom(null, (key, entry) -> {
      MessageDigest d = digests[bucketOf(key, buckets)];
      d.update(key.toBytes());
      d.update(ByteBuffer.allocate(9).putLong(entry.getHlc()).put((byte) (entry.getTombstone() ? 1 : 0)).array());
      d.update(entry.getOriginRegion().getBytes(StandardCharsets.UTF_8));
      d.update(entry.getDigest().toByteArray());
      if (entry.getCounter()) {
        // A counter's value digest covers only its total: two copies holding the same total from
        // different slots (each missing increments of the other) would compare equal and never be
        // repaired, while the repair's vector told both they had everything (simulation, 2 s grace).
        slots(d, entry.getCounterPMap());
        slots(d, entry.getCounterNMap());
      }
      return true;
    });
    MessageDigest purges = digests[0];
    engine.purges.forEachFrom(null, (key, version) -> {
      purges.update(key);
      purges.update(version);
      return true;
    });
    List<ByteString> out = new ArrayList<>(buckets);
    for (MessageDigest d : digests) {
      out.add(ByteString.copyFrom(d.digest()));
    }
    return out;
  }

  /** A counter's per-region slots into a digest, in region order (the map's order is not defined). */
  private static void slots(MessageDigest d, Map<String, Long> slots) {
    d.update(ByteBuffer.allocate(4).putInt(slots.size()).array());
    for (Map.Entry<String, Long> slot : new TreeMap<>(slots).entrySet()) {
      d.update(slot.getKey().getBytes(StandardCharsets.UTF_8));
      d.update(ByteBuffer.allocate(9).put((byte) 0).putLong(slot.getValue()).array());
    }
  }

  /** The entries (values and tombstones) of some buckets, and every purge record, as mutations. */
  public static List<Mutation> state(KvEngine engine, Set<Integer> buckets, int bucketCount) {
    List<Mutation> out = new ArrayList<>();
    engine.entries.forEachFrom(null, (key, entry) -> {
      if (buckets.contains(bucketOf(key, bucketCount))) {
        out.add(toMutation(key, entry));
      }
      return true;
    });
    engine.purges.forEachFrom(null, (key, version) -> {
      out.add(purgeMutation(key, version));
      return true;
    });
    return out;
  }

  private static Mutation toMutation(EntryKey key, StoredEntry entry) {
    Mutation.Builder m = Mutation.newBuilder()
        .setFormat(1)
        .setOriginRegion(entry.getOriginRegion())
        .setNamespace(key.namespace())
        .setKey(ByteString.copyFrom(key.key()))
        .setVersion(Version.newBuilder().setHlc(entry.getHlc()).setOriginRegion(entry.getOriginRegion()));
    if (entry.getTombstone()) {
      return m.setKind(MutationKind.MUTATION_DELETE).build();
    }
    if (entry.getCounter()) {
      return m.setKind(MutationKind.MUTATION_COUNTER).putAllCounterP(entry.getCounterPMap())
          .putAllCounterN(entry.getCounterNMap()).build();
    }
    return m.setKind(MutationKind.MUTATION_PUT)
        .setValue(entry.getValue())
        .putAllMetadata(entry.getMetadataMap())
        .addAllTags(entry.getTagsList())
        .setExpiresAtUnixMs(entry.getExpiresAtUnixMs())
        .build();
  }

  /** A purge record ({@code namespace 0 type selector} to version) back as a purge mutation. */
  private static Mutation purgeMutation(byte[] key, byte[] versionBytes) {
    int sep = 0;
    while (key[sep] != 0) {
      sep++;
    }
    String namespace = new String(key, 0, sep, StandardCharsets.UTF_8);
    byte type = key[sep + 1];
    byte[] selector = Arrays.copyOfRange(key, sep + 2, key.length);
    PurgeCommand.Builder purge = PurgeCommand.newBuilder().setNamespace(namespace);
    if (type == 'P') {
      purge.setPrefix(ByteString.copyFrom(selector));
    } else {
      purge.setTag(new String(selector, StandardCharsets.UTF_8));
    }
    Version version;
    try {
      version = Version.parseFrom(versionBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt purge record", e);
    }
    return Mutation.newBuilder().setFormat(1).setKind(MutationKind.MUTATION_PURGE).setNamespace(namespace)
        .setOriginRegion(version.getOriginRegion()).setVersion(version).setPurge(purge).build();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }
}
