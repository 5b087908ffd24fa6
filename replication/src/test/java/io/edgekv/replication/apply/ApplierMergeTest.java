package io.edgekv.replication.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StorageOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property test of the cross-region merge: the same mutations of three origins, delivered in
 * random orders, with duplicates and overlapping batches (as relays produce), leave every replica
 * with an identical store, and that store holds the last writer of each key.
 */
class ApplierMergeTest {
  private static final List<String> ORIGINS = List.of("eu-west", "us-east", "ap-south");

  @TempDir
  Path dir;

  private static Mutation mutation(Random random, String origin, long seq, long hlc) {
    String key = "k" + random.nextInt(8);
    Mutation.Builder m = Mutation.newBuilder().setFormat(1).setOriginRegion(origin).setSeq(seq)
        .setNamespace("default").setKey(ByteString.copyFromUtf8(key))
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(hlc).setOriginRegion(origin));
    if (random.nextInt(5) == 0) {
      return m.setKind(MutationKind.MUTATION_DELETE).build();
    }
    return m.setKind(MutationKind.MUTATION_PUT).setValue(ByteString.copyFromUtf8(origin + "-" + seq)).build();
  }

  /** Applies the batches in order as one replica would, each as an ApplyRemote entry. */
  private String applyAll(Path path, List<List<Mutation>> batches) {
    try (KvEngine engine = new KvEngine(path, StorageOptions.SMALL)) {
      Applier applier = new Applier(engine, 0);
      long index = 0;
      for (List<Mutation> batch : batches) {
        index++;
        applier.apply(new Proposal("", HybridClock.fromMillis(2_000_000) + index, "local",
            new Command.ApplyRemote(batch)), 1, index);
      }
      return digest(engine);
    }
  }

  private static String digest(KvEngine engine) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      engine.entries.forEachFrom(null, (key, entry) -> {
        sha.update(key.toBytes());
        sha.update(ByteBuffer.allocate(9).putLong(entry.getHlc()).put((byte) (entry.getTombstone() ? 1 : 0)).array());
        sha.update(entry.getOriginRegion().getBytes(StandardCharsets.UTF_8));
        sha.update(entry.getValue().toByteArray());
        return true;
      });
      return HexFormat.of().formatHex(sha.digest());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anyDeliveryOrderWithDuplicatesAndOverlapsConvergesToTheLastWriter() throws Exception {
    Random random = new Random(20261127);
    // Per origin: 40 mutations in sequence, with HLCs that interleave across origins.
    List<List<Mutation>> perOrigin = new ArrayList<>();
    for (String origin : ORIGINS) {
      List<Mutation> log = new ArrayList<>();
      for (int seq = 1; seq <= 40; seq++) {
        log.add(mutation(random, origin, seq, HybridClock.fromMillis(1_000_000 + random.nextInt(1000)) + seq));
      }
      perOrigin.add(log);
    }
    String expected = null;
    for (int replica = 0; replica < 6; replica++) {
      // Each origin's log is cut into overlapping, duplicated batches (as pushes and relays send),
      // then the batches of all origins are shuffled, keeping each origin's batches in order.
      List<List<List<Mutation>>> queues = new ArrayList<>();
      for (List<Mutation> log : perOrigin) {
        List<List<Mutation>> batches = new ArrayList<>();
        int from = 0;
        while (from < log.size()) {
          int to = Math.min(log.size(), from + 1 + random.nextInt(8));
          int overlapStart = Math.max(0, from - random.nextInt(3));
          batches.add(log.subList(overlapStart, to));
          if (random.nextBoolean()) {
            batches.add(log.subList(overlapStart, to));
          }
          from = to;
        }
        queues.add(batches);
      }
      List<List<Mutation>> delivery = new ArrayList<>();
      List<Integer> cursors = new ArrayList<>(Collections.nCopies(queues.size(), 0));
      while (true) {
        List<Integer> open = new ArrayList<>();
        for (int q = 0; q < queues.size(); q++) {
          if (cursors.get(q) < queues.get(q).size()) {
            open.add(q);
          }
        }
        if (open.isEmpty()) {
          break;
        }
        int q = open.get(random.nextInt(open.size()));
        delivery.add(queues.get(q).get(cursors.get(q)));
        cursors.set(q, cursors.get(q) + 1);
      }
      String digest = applyAll(dir.resolve("replica-" + replica), delivery);
      if (expected == null) {
        expected = digest;
      }
      assertEquals(expected, digest, "replica " + replica + " diverged");
    }
    // And the store holds, per key, the mutation with the greatest version.
    try (KvEngine engine = new KvEngine(dir.resolve("replica-0"), StorageOptions.SMALL)) {
      for (int k = 0; k < 8; k++) {
        String key = "k" + k;
        Mutation newest = perOrigin.stream().flatMap(List::stream)
            .filter(m -> m.getKey().toStringUtf8().equals(key))
            .max((a, b) -> io.edgekv.replication.Version.of(a.getVersion())
                .compareTo(io.edgekv.replication.Version.of(b.getVersion())))
            .orElse(null);
        var stored = engine.entries.get(new EntryKey("default", key.getBytes(StandardCharsets.UTF_8)));
        if (newest == null) {
          continue;
        }
        assertEquals(newest.getVersion().getHlc(), stored.getHlc(), key);
        assertEquals(newest.getKind() == MutationKind.MUTATION_DELETE, stored.getTombstone(), key);
        if (!stored.getTombstone()) {
          assertEquals(newest.getValue(), stored.getValue(), key);
        }
      }
    }
  }

  @Test
  void aGapStopsTheBatchSoNoMutationIsAppliedOutOfOrder() throws Exception {
    Random random = new Random(1);
    Mutation first = mutation(random, "eu-west", 1, HybridClock.fromMillis(1_000_000));
    Mutation third = mutation(random, "eu-west", 3, HybridClock.fromMillis(1_000_002));
    try (KvEngine engine = new KvEngine(dir.resolve("gap"), StorageOptions.SMALL)) {
      new Applier(engine, 0).apply(new Proposal("", HybridClock.fromMillis(2_000_000), "local",
          new Command.ApplyRemote(List.of(first, third))), 1, 1);
      assertEquals(1, io.edgekv.replication.storage.ReplicationKeys.readSeq(engine, "eu-west"));
      try (Stream<Path> files = Files.list(dir)) {
        assertFalse(files.findAny().isEmpty());
      }
    }
  }

  /**
   * A remote batch holding a put and, later in the same batch, a newer purge of its tag: the put
   * must end up purged, as when the two arrive in separate batches (the deterministic simulation
   * found the tag index, which holds only committed entries, missing the put of the same batch).
   */
  @Test
  void aPurgeByTagCoversAPutEarlierInTheSameBatch() {
    Mutation put = Mutation.newBuilder().setFormat(1).setOriginRegion("ap-south").setSeq(1)
        .setKind(MutationKind.MUTATION_PUT).setNamespace("default").setKey(ByteString.copyFromUtf8("k"))
        .setValue(ByteString.copyFromUtf8("v")).addTags("t5")
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(1_000)).setOriginRegion("ap-south"))
        .build();
    Mutation purge = Mutation.newBuilder().setFormat(1).setOriginRegion("ap-south").setSeq(2)
        .setKind(MutationKind.MUTATION_PURGE).setNamespace("default")
        .setPurge(io.edgekv.internal.v1.PurgeCommand.newBuilder().setNamespace("default").setTag("t5"))
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(2_000)).setOriginRegion("ap-south"))
        .build();
    String together = applyAll(dir.resolve("together"), List.of(List.of(put, purge)));
    String apart = applyAll(dir.resolve("apart"), List.of(List.of(put), List.of(purge)));
    assertEquals(apart, together, "one batch or two, the same store");
    try (KvEngine engine = new KvEngine(dir.resolve("together"), StorageOptions.SMALL)) {
      assertEquals(true, engine.entries.get(new EntryKey("default", "k".getBytes(StandardCharsets.UTF_8))).getTombstone(),
          "the put is purged");
    }
  }

  private static Mutation put(String origin, long seq, long millis, String tag) {
    return Mutation.newBuilder().setFormat(1).setOriginRegion(origin).setSeq(seq)
        .setKind(MutationKind.MUTATION_PUT).setNamespace("default").setKey(ByteString.copyFromUtf8("k"))
        .setValue(ByteString.copyFromUtf8(origin + seq)).addTags(tag)
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(millis)).setOriginRegion(origin))
        .build();
  }

  private static Mutation purgeTag(String origin, long seq, long millis, String tag) {
    return Mutation.newBuilder().setFormat(1).setOriginRegion(origin).setSeq(seq)
        .setKind(MutationKind.MUTATION_PURGE).setNamespace("default")
        .setPurge(io.edgekv.internal.v1.PurgeCommand.newBuilder().setNamespace("default").setTag(tag))
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(millis)).setOriginRegion(origin))
        .build();
  }

  /**
   * Puts v1 (tag a) and v2 (tag b) of one key and a newer purge of tag b, in every arrival order:
   * v2 replaced v1 and the purge hides v2, so the key is dead everywhere; and a newer put v3
   * without the tag, older than the purge, wins everywhere (both found by the simulation: a put
   * dead on arrival left the older value live, and the purge's tombstone outranked v3).
   */
  @Test
  void aTagPurgeHidesTheTaggedWriteInEveryArrivalOrder() {
    Mutation v1 = put("us-east", 1, 1_000, "a");
    Mutation v2 = put("us-east", 2, 2_000, "b");
    Mutation v3 = put("us-east", 3, 3_000, "c");
    Mutation purge = purgeTag("eu-west", 1, 4_000, "b");
    String deadFirst = applyAll(dir.resolve("p-first"), List.of(List.of(v1), List.of(purge), List.of(v2)));
    String deadLast = applyAll(dir.resolve("p-last"), List.of(List.of(v1), List.of(v2), List.of(purge)));
    try (KvEngine engine = new KvEngine(dir.resolve("p-first"), StorageOptions.SMALL)) {
      assertEquals(true, engine.entries.get(new EntryKey("default", "k".getBytes(StandardCharsets.UTF_8))).getTombstone(),
          "v2 arrived after the purge of its tag: v1 must not stay live");
    }
    String liveFirst = applyAll(dir.resolve("v3-first"), List.of(List.of(v1, v2, v3), List.of(purge)));
    String liveLast = applyAll(dir.resolve("v3-last"), List.of(List.of(v1, v2), List.of(purge), List.of(v3)));
    assertEquals(liveFirst, liveLast, "v3 (no tag b) wins whether it arrives before or after the purge");
    try (KvEngine engine = new KvEngine(dir.resolve("v3-last"), StorageOptions.SMALL)) {
      assertFalse(engine.entries.get(new EntryKey("default", "k".getBytes(StandardCharsets.UTF_8))).getTombstone(),
          "v3 is live");
    }
    assertFalse(deadFirst.isEmpty() || deadLast.isEmpty());
  }
}
