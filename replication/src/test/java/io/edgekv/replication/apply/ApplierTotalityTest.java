package io.edgekv.replication.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.PublishCommand;
import io.edgekv.internal.v1.PurgeCommand;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Property test of apply's totality: random commands with extreme fields (Long.MIN/MAX deltas,
 * TTLs and deadlines, empty and maximal keys and values, unknown mutation kinds, odd sequence
 * numbers, negative counter slots, transactions writing a key twice) go through the applier of
 * two replicas, each on its own RocksDB. Apply never throws, both replicas return the same
 * results and events, and their databases end byte-equal in every column family.
 */
class ApplierTotalityTest {
  private static final List<String> ORIGINS = List.of("local", "us-east", "ap-south");
  private static final long[] EXTREMES = {0, 1, -1, 1000, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
      -Long.MAX_VALUE, CommandRules.MAX_TTL_MILLIS, CommandRules.MAX_TTL_MILLIS + 1, Integer.MAX_VALUE};

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(longs = {1, 20261127, 424242})
  void randomExtremeCommandsNeverThrowAndLeaveTwoReplicasByteEqual(long seed) throws Exception {
    Path first = dir.resolve("a");
    Path second = dir.resolve("b");
    Generator generator = new Generator(new Random(seed));
    try (KvEngine a = new KvEngine(first, StorageOptions.SMALL); KvEngine b = new KvEngine(second, StorageOptions.SMALL)) {
      Applier applierA = new Applier(a, 0);
      Applier applierB = new Applier(b, 0);
      for (long index = 1; index <= 400; index++) {
        Proposal proposal = generator.next();
        Applier.Outcome outA = applyOrFail(a, applierA, proposal, index);
        Applier.Outcome outB = applyOrFail(b, applierB, proposal, index);
        assertEquals(outA.result(), outB.result(), "results differ at index " + index + ": " + proposal);
        assertEquals(outA.events(), outB.events(), "events differ at index " + index);
        generator.learn(outA);
      }
    }
    assertByteEqual(first, second);
  }

  private static Applier.Outcome applyOrFail(KvEngine engine, Applier applier, Proposal proposal, long index) {
    try {
      return applier.apply(proposal, 1, index);
    } catch (RuntimeException e) {
      throw new AssertionError("apply threw at index " + index + " for " + proposal, e);
    }
  }

  private static void assertByteEqual(Path first, Path second) throws Exception {
    Map<String, List<byte[][]>> a = allFamilies(first);
    Map<String, List<byte[][]>> b = allFamilies(second);
    assertEquals(a.keySet(), b.keySet());
    for (String family : a.keySet()) {
      List<byte[][]> left = a.get(family);
      List<byte[][]> right = b.get(family);
      assertEquals(left.size(), right.size(), "entries in column family " + family);
      for (int i = 0; i < left.size(); i++) {
        assertArrayEquals(left.get(i)[0], right.get(i)[0], family + " key " + i);
        assertArrayEquals(left.get(i)[1], right.get(i)[1], family + " value " + i);
      }
    }
  }

  /** Every key and value of every column family, read raw from the closed database. */
  private static Map<String, List<byte[][]>> allFamilies(Path path) throws Exception {
    Map<String, List<byte[][]>> out = new HashMap<>();
    List<byte[]> names;
    try (Options options = new Options()) {
      names = RocksDB.listColumnFamilies(options, path.toString());
    }
    List<ColumnFamilyDescriptor> descriptors = names.stream().map(ColumnFamilyDescriptor::new).toList();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (RocksDB db = RocksDB.openReadOnly(path.toString(), descriptors, handles)) {
      for (int i = 0; i < handles.size(); i++) {
        List<byte[][]> rows = new ArrayList<>();
        try (RocksIterator it = db.newIterator(handles.get(i))) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            rows.add(new byte[][] {it.key(), it.value()});
          }
          it.status();
        }
        out.put(new String(names.get(i), StandardCharsets.UTF_8), rows);
      }
    } finally {
      handles.forEach(ColumnFamilyHandle::close);
    }
    return out;
  }

  /** Random proposals, biased to the edges of every field. */
  private static final class Generator {
    private final Random random;
    private long millis = 1_700_000_000_000L;
    private long logical;
    private final Map<String, Long> seqs = new HashMap<>();
    private final List<Version> versions = new ArrayList<>();
    private final List<String> requestIds = new ArrayList<>();

    Generator(Random random) {
      this.random = random;
    }

    void learn(Applier.Outcome outcome) {
      if (outcome.result().hasApplied() && outcome.result().getApplied().hasVersion()) {
        versions.add(Version.of(outcome.result().getApplied().getVersion()));
      }
    }

    Proposal next() {
      millis += random.nextInt(5) == 0 ? random.nextInt(10_000_000) : random.nextInt(50);
      long hlc = HybridClock.fromMillis(millis) + (logical++ & 0xff);
      String requestId = "";
      if (random.nextInt(4) == 0) {
        requestId = !requestIds.isEmpty() && random.nextBoolean()
            ? requestIds.get(random.nextInt(requestIds.size())) : "r" + random.nextInt(1_000_000);
        requestIds.add(requestId);
      }
      return new Proposal(requestId, hlc, "local", command());
    }

    private Command command() {
      return switch (random.nextInt(13)) {
        case 0, 1 -> put(namespace(), key());
        case 2 -> new Command.Delete(namespace(), key(), condition());
        case 3 -> new Command.Touch(namespace(), key(), extreme(), random.nextBoolean() ? extreme() : deadline());
        case 4, 5 -> new Command.Increment(namespace(), counterKey(), extreme() * (random.nextBoolean() ? 1 : -1));
        case 6 -> txn();
        case 7 -> new Command.Purge(namespace(), selector(), random.nextBoolean(),
            random.nextBoolean() ? "" : "p" + random.nextInt(9));
        case 8 -> new Command.Publish(namespace(), "topic", bytes(random.nextInt(3) == 0 ? 1 << 16 : 3),
            "m" + random.nextInt(9));
        case 9 -> new Command.Expire(targets());
        case 10 -> new Command.CollectTombstones(targets());
        case 11 -> new Command.ApplyRemote(mutations(true));
        default -> new Command.Repair(mutations(false), vector());
      };
    }

    private Command.Put put(String namespace, byte[] key) {
      return new Command.Put(namespace, key, value(), Map.of("m", "v"), tags(), extreme(),
          random.nextBoolean() ? extreme() : deadline(), condition());
    }

    private Command.Txn txn() {
      List<Command.Put> puts = new ArrayList<>();
      List<Command.Delete> deletes = new ArrayList<>();
      byte[] twice = key();
      int ops = 1 + random.nextInt(4);
      for (int i = 0; i < ops; i++) {
        byte[] key = random.nextInt(3) == 0 ? twice : key();
        if (random.nextBoolean()) {
          puts.add(new Command.Put("default", key, value(), Map.of(), tags(), random.nextBoolean() ? 0 : extreme(),
              deadline(), WriteCondition.NONE));
        } else {
          deletes.add(new Command.Delete("default", key, WriteCondition.NONE));
        }
      }
      return new Command.Txn("default", List.of(new Command.TxnCheck(key(), condition())), puts, deletes);
    }

    private List<Mutation> mutations(boolean sequenced) {
      List<Mutation> out = new ArrayList<>();
      int count = random.nextInt(5);
      for (int i = 0; i < count; i++) {
        String origin = ORIGINS.get(1 + random.nextInt(2));
        long seq = 0;
        if (sequenced) {
          long next = seqs.getOrDefault(origin, 0L) + 1;
          seq = switch (random.nextInt(6)) {
            case 0 -> random.nextBoolean() ? Long.MAX_VALUE : -1; // huge, also as unsigned
            case 1 -> next + 1 + random.nextInt(3); // a gap
            case 2 -> Math.max(0, next - 1 - random.nextInt(2)); // a duplicate
            default -> next;
          };
          if (seq == next) {
            seqs.put(origin, next);
          }
        }
        long hlc = random.nextInt(8) == 0 ? extreme() : HybridClock.fromMillis(millis - random.nextInt(1000));
        Mutation.Builder m = Mutation.newBuilder().setFormat(1).setOriginRegion(origin).setSeq(seq)
            .setNamespace(random.nextInt(10) == 0 ? "bad\0ns" : namespace()).setKey(ByteString.copyFrom(key()))
            .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(hlc).setOriginRegion(origin))
            .setStampedHlc(hlc);
        switch (random.nextInt(8)) {
          case 0 -> m.setKind(MutationKind.MUTATION_DELETE);
          case 1 -> m.setKind(MutationKind.MUTATION_COUNTER)
              .putCounterP(origin, extreme()).putCounterN(origin, extreme()).putCounterP("local", extreme());
          case 2 -> m.setKind(MutationKind.MUTATION_PURGE).setPurge(purge());
          case 3 -> m.setKind(MutationKind.MUTATION_PUBLISH).setPublish(PublishCommand.newBuilder()
              .setNamespace("default").setTopic("t").setPayload(ByteString.copyFrom(bytes(5))));
          case 4 -> m.setKind(MutationKind.MUTATION_KIND_UNSPECIFIED);
          case 5 -> m.setKindValue(99); // a kind a newer release might add
          default -> m.setKind(MutationKind.MUTATION_PUT).setValue(ByteString.copyFrom(value()))
              .addAllTags(tags()).setExpiresAtUnixMs(random.nextBoolean() ? 0 : extreme());
        }
        out.add(m.build());
      }
      return out;
    }

    private Map<String, Long> vector() {
      Map<String, Long> out = new HashMap<>();
      if (random.nextInt(4) == 0) {
        out.put(ORIGINS.get(1 + random.nextInt(2)), random.nextBoolean() ? -1L : random.nextInt(5));
      }
      return out;
    }

    private PurgeCommand purge() {
      PurgeCommand.Builder p = PurgeCommand.newBuilder().setNamespace("default");
      return switch (random.nextInt(4)) {
        case 0 -> p.setKey(ByteString.copyFrom(key())).build();
        case 1 -> p.setPrefix(ByteString.copyFromUtf8(random.nextBoolean() ? "" : "k")).build();
        case 2 -> p.setTag("t" + random.nextInt(3)).build();
        default -> p.build(); // no selector
      };
    }

    private Command.PurgeSelector selector() {
      return switch (random.nextInt(3)) {
        case 0 -> new Command.PurgeSelector.Key(key());
        case 1 -> new Command.PurgeSelector.Prefix(random.nextBoolean() ? new byte[0] : "k".getBytes(StandardCharsets.UTF_8));
        default -> new Command.PurgeSelector.Tag("t" + random.nextInt(3));
      };
    }

    private List<Command.ExpireTarget> targets() {
      List<Command.ExpireTarget> out = new ArrayList<>();
      for (int i = 0; i < random.nextInt(4); i++) {
        Version version = versions.isEmpty() || random.nextInt(4) == 0
            ? new Version(extreme(), "local") : versions.get(random.nextInt(versions.size()));
        out.add(new Command.ExpireTarget("default", key(), version));
      }
      return out;
    }

    private WriteCondition condition() {
      return switch (random.nextInt(4)) {
        case 0 -> new WriteCondition.IfAbsent();
        case 1 -> new WriteCondition.IfVersion(versions.isEmpty() ? new Version(-1, "local")
            : versions.get(random.nextInt(versions.size())));
        default -> WriteCondition.NONE;
      };
    }

    private long extreme() {
      return random.nextInt(3) == 0 ? random.nextLong() : EXTREMES[random.nextInt(EXTREMES.length)];
    }

    private long deadline() {
      return CommandRules.expiresAt(millis, random.nextInt(3) * 1000L);
    }

    private String namespace() {
      return random.nextInt(8) == 0 ? "ns" : "default";
    }

    private byte[] key() {
      return switch (random.nextInt(10)) {
        case 0 -> new byte[0];
        case 1 -> "K".repeat(512).getBytes(StandardCharsets.UTF_8);
        default -> ("k" + random.nextInt(6)).getBytes(StandardCharsets.UTF_8);
      };
    }

    private byte[] counterKey() {
      return random.nextInt(6) == 0 ? key() : ("c" + random.nextInt(2)).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] value() {
      return switch (random.nextInt(12)) {
        case 0 -> new byte[0];
        case 1 -> bytes(1 << 20);
        default -> bytes(1 + random.nextInt(32));
      };
    }

    private byte[] bytes(int size) {
      byte[] out = new byte[size];
      random.nextBytes(out);
      return out;
    }

    private List<String> tags() {
      return random.nextInt(3) == 0 ? List.of() : Arrays.asList("t" + random.nextInt(3), "t" + random.nextInt(3))
          .stream().distinct().toList();
    }
  }
}
