package io.edgekv.replication.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What apply does at the edges of every number: a recorded failure that writes nothing, never a wrap. */
class ApplierLimitsTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final byte[] KEY = "ctr".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;
  private KvEngine engine;
  private Applier applier;
  private long index;

  @BeforeEach
  void open() {
    engine = new KvEngine(dir, StorageOptions.SMALL);
    applier = new Applier(engine, 0);
  }

  @AfterEach
  void close() {
    engine.close();
  }

  private CommandResult apply(String requestId, Command command) {
    index++;
    return applier.apply(new Proposal(requestId, HybridClock.fromMillis(NOW) + index, "eu-west", command), 1, index)
        .result();
  }

  private StoredEntry stored(byte[] key) {
    return engine.entries.get(new EntryKey("default", key));
  }

  @Test
  void counterOverflowIsARecordedOutOfRangeFailureThatWritesNothingAndRepeatsOnRetry() {
    CommandResult max = apply("", new Command.Increment("default", KEY, Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, max.getApplied().getCounterValue());
    long seqBefore = ReplicationKeys.readSeq(engine, "eu-west");

    CommandResult over = apply("retry-me", new Command.Increment("default", KEY, 1));
    CommandResult retried = apply("retry-me", new Command.Increment("default", KEY, 1));

    assertEquals("OUT_OF_RANGE", over.getFailed().getCode(), over.toString());
    assertEquals("delta", over.getFailed().getField());
    assertEquals(String.valueOf(Long.MAX_VALUE), over.getFailed().getLimit());
    assertTrue(over.getFailed().getMessage().contains(String.valueOf(Long.MAX_VALUE)), over.getFailed().getMessage());
    assertEquals(over, retried);
    assertEquals(String.valueOf(Long.MAX_VALUE), stored(KEY).getValue().toStringUtf8());
    assertEquals(seqBefore, ReplicationKeys.readSeq(engine, "eu-west"), "nothing shipped to other regions");
    // The counter still takes increments that keep it in range.
    assertEquals(Long.MAX_VALUE - 5, apply("", new Command.Increment("default", KEY, -5)).getApplied().getCounterValue());
  }

  @Test
  void aSlotThatWouldPassTheLimitIsRefusedEvenWhenTheTotalWouldFit() {
    apply("", new Command.Increment("default", KEY, Long.MAX_VALUE));
    apply("", new Command.Increment("default", KEY, -10));

    CommandResult slot = apply("", new Command.Increment("default", KEY, 5));

    assertEquals("OUT_OF_RANGE", slot.getFailed().getCode());
    assertEquals(String.valueOf(Long.MAX_VALUE - 10), stored(KEY).getValue().toStringUtf8());
  }

  @Test
  void theMostNegativeDeltaIsInvalidBecauseNoSlotHoldsIt() {
    CommandResult min = apply("", new Command.Increment("default", KEY, Long.MIN_VALUE));

    assertEquals("INVALID_ARGUMENT", min.getFailed().getCode());
    assertEquals(String.valueOf(-Long.MAX_VALUE), min.getFailed().getLimit());
    assertEquals(null, stored(KEY));
  }

  @Test
  void aMergedTotalBeyondTheRangeIsStoredExactlyAndFlaggedNotWrapped() {
    apply("", new Command.Increment("default", KEY, Long.MAX_VALUE));
    Mutation remote = Mutation.newBuilder().setFormat(1).setOriginRegion("us-east").setSeq(1)
        .setKind(MutationKind.MUTATION_COUNTER).setNamespace("default").setKey(ByteString.copyFrom(KEY))
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(NOW)).setOriginRegion("us-east"))
        .putCounterP("us-east", 10).build();

    CommandResult merged = apply("", new Command.ApplyRemote(List.of(remote)));

    assertTrue(merged.hasApplied(), merged.toString());
    StoredEntry counter = stored(KEY);
    assertTrue(counter.getCounterOutOfRange());
    assertEquals("9223372036854775817", counter.getValue().toStringUtf8());
    // Any further increment would stay out of range; a decrement that brings it back is taken.
    assertEquals("OUT_OF_RANGE", apply("", new Command.Increment("default", KEY, 1)).getFailed().getCode());
    assertEquals(Long.MAX_VALUE - 1, apply("", new Command.Increment("default", KEY, -11)).getApplied().getCounterValue());
    assertFalse(stored(KEY).getCounterOutOfRange());
  }

  @Test
  void aTtlBeyondTheLimitIsRefusedAndTheOldValueKept() {
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    apply("", new Command.Put("default", key, "old".getBytes(StandardCharsets.UTF_8), Map.of(), List.of(), 0, 0,
        WriteCondition.NONE));

    CommandResult put = apply("", new Command.Put("default", key, "new".getBytes(StandardCharsets.UTF_8), Map.of(),
        List.of(), Long.MAX_VALUE, CommandRules.expiresAt(NOW, Long.MAX_VALUE), WriteCondition.NONE));
    CommandResult touch = apply("", new Command.Touch("default", key, CommandRules.MAX_TTL_MILLIS + 1, Long.MAX_VALUE));
    CommandResult txn = apply("", new Command.Txn("default", List.of(), List.of(new Command.Put("default", key,
        "txn".getBytes(StandardCharsets.UTF_8), Map.of(), List.of(), -1, 0, WriteCondition.NONE)), List.of()));

    for (CommandResult result : List.of(put, touch, txn)) {
      assertEquals("INVALID_ARGUMENT", result.getFailed().getCode(), result.toString());
      assertEquals(String.valueOf(CommandRules.MAX_TTL_MILLIS), result.getFailed().getLimit());
      assertTrue(result.getFailed().getField().endsWith("ttl_ms"), result.toString());
    }
    assertEquals("old", stored(key).getValue().toStringUtf8());
    assertEquals(0, stored(key).getExpiresAtUnixMs());
  }

  @Test
  void aTransactionWritingOneKeyTwiceIsRefusedAsAWhole() {
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    CommandResult txn = apply("", new Command.Txn("default", List.of(),
        List.of(new Command.Put("default", key, new byte[] {1}, Map.of(), List.of(), 0, 0, WriteCondition.NONE)),
        List.of(new Command.Delete("default", key, WriteCondition.NONE))));

    assertEquals("INVALID_ARGUMENT", txn.getFailed().getCode());
    assertEquals(null, stored(key));
  }

  @Test
  void aRemoteMutationOfUnknownKindIsSkippedButTakesItsPlaceInTheSequence() {
    Mutation unknown = Mutation.newBuilder().setFormat(1).setOriginRegion("us-east").setSeq(1).setKindValue(42)
        .setNamespace("default").setKey(ByteString.copyFrom(KEY)).build();
    Mutation put = Mutation.newBuilder().setFormat(1).setOriginRegion("us-east").setSeq(2)
        .setKind(MutationKind.MUTATION_PUT).setNamespace("default").setKey(ByteString.copyFrom(KEY))
        .setValue(ByteString.copyFromUtf8("after"))
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(NOW)).setOriginRegion("us-east"))
        .build();

    CommandResult result = apply("", new Command.ApplyRemote(List.of(unknown, put)));

    assertTrue(result.hasApplied());
    assertEquals(2, ReplicationKeys.readSeq(engine, "us-east"));
    assertEquals("after", stored(KEY).getValue().toStringUtf8());
  }
}
