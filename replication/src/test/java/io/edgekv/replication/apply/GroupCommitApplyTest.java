package io.edgekv.replication.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit at apply: many proposals in one log entry, one RocksDB batch, one result each.
 * Each sees what the ones before it in the entry wrote; a bad one is recorded as failed and the
 * others apply; a retried request id within one entry gets the first one's result.
 */
class GroupCommitApplyTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final String NS = "default";
  private static final String REGION = "eu-west";

  @TempDir
  Path dir;
  private KvEngine engine;
  private Applier applier;
  private long hlc = HybridClock.fromMillis(NOW);

  @BeforeEach
  void open() {
    engine = new KvEngine(dir, StorageOptions.SMALL);
    applier = new Applier(engine, 0);
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void eachProposalOfAnEntryGetsItsOwnResultAndABadOneFailsAlone() {
    List<Proposal> entry = Arrays.asList(
        proposal("a", put("k", "v1", WriteCondition.NONE)),
        // sees the put before it in the same entry
        proposal("b", put("k", "v2", new WriteCondition.IfAbsent())),
        proposal("", new Command.Increment(NS, bytes("n"), Long.MAX_VALUE)),
        // overflows: recorded as failed, writes nothing
        proposal("c", new Command.Increment(NS, bytes("n"), 1)),
        proposal("d", put("k2", "w", WriteCondition.NONE)),
        // a retry of "a" within the same entry: the first one's result, nothing applied again
        proposal("a", put("k", "v3", WriteCondition.NONE)),
        null);

    List<Applier.Outcome> outcomes = applier.applyAll(entry, 1, 7);

    assertEquals(entry.size(), outcomes.size());
    CommandResult first = outcomes.get(0).result();
    assertTrue(first.hasApplied());
    assertEquals(7, first.getApplied().getIndex());
    assertTrue(outcomes.get(1).result().hasConditionFailed(), outcomes.get(1).result().toString());
    assertEquals(Long.MAX_VALUE, outcomes.get(2).result().getApplied().getCounterValue());
    assertEquals("OUT_OF_RANGE", outcomes.get(3).result().getFailed().getCode());
    assertTrue(outcomes.get(4).result().hasApplied());
    assertEquals(first, outcomes.get(5).result());
    assertTrue(outcomes.get(6).result().hasFailed(), "an undecodable proposal is recorded as failed");

    assertEquals("v1", stored("k").getValue().toStringUtf8());
    assertEquals("w", stored("k2").getValue().toStringUtf8());
    assertEquals(String.valueOf(Long.MAX_VALUE), stored("n").getValue().toStringUtf8());
    assertEquals(7, engine.appliedPosition().getIndex());
    // three local mutations were logged (put k, increment, put k2), in one version-vector step
    assertEquals(3L, applier.versionVector().get(REGION));
    assertEquals(ReplicationKeys.versionVector(engine), applier.versionVector());
    List<ChangeKind> events = new ArrayList<>();
    outcomes.forEach(o -> o.events().forEach(e -> events.add(e.getKind())));
    assertEquals(3, events.size(), events.toString());
    List<Integer> changelog = new ArrayList<>();
    engine.changelog.forEachFrom(null, (key, value) -> changelog.add(1));
    assertEquals(3, changelog.size(), "every event of the entry is in the changelog, none overwritten");
    // the request ids are recorded: a later entry retrying "d" gets its result
    List<Applier.Outcome> retried = applier.applyAll(List.of(proposal("d", put("k2", "again", WriteCondition.NONE))),
        1, 8);
    assertEquals(outcomes.get(4).result(), retried.getFirst().result());
    assertEquals("w", stored("k2").getValue().toStringUtf8());
  }

  @Test
  void aBatchAppliesLikeTheSameProposalsOneEntryEach() {
    List<Command> commands = List.of(put("x", "1", WriteCondition.NONE), put("y", "2", WriteCondition.NONE),
        new Command.Delete(NS, bytes("x"), WriteCondition.NONE), put("y", "3", WriteCondition.NONE),
        new Command.Purge(NS, new Command.PurgeSelector.Prefix(bytes("y")), false, "p1"),
        put("z", "4", WriteCondition.NONE));
    List<Proposal> proposals = new ArrayList<>();
    commands.forEach(c -> proposals.add(proposal("", c)));
    applier.applyAll(proposals, 1, 1);
    Path other = dir.resolve("one-each");
    try (KvEngine single = new KvEngine(other, StorageOptions.SMALL)) {
      Applier oneEach = new Applier(single, 0);
      for (Proposal p : proposals) {
        oneEach.apply(p, 1, 1 + proposals.indexOf(p));
      }
      for (String key : List.of("x", "y", "z")) {
        StoredEntry batched = stored(key);
        StoredEntry alone = single.entries.get(new EntryKey(NS, bytes(key)));
        assertEquals(alone == null, batched == null, key);
        if (alone != null) {
          assertEquals(alone.getTombstone(), batched.getTombstone(), key);
          assertEquals(alone.getValue(), batched.getValue(), key);
          assertEquals(alone.getHlc(), batched.getHlc(), key);
        }
      }
      assertEquals(ReplicationKeys.versionVector(single), ReplicationKeys.versionVector(engine));
    }
    assertTrue(stored("y").getTombstone(), "the purge in the entry covers the put before it");
  }

  @Test
  void aBatchRoundTripsThroughTheCodecWithAnUndecodableElement() {
    byte[] good = CommandCodec.encode(proposal("r", put("k", "v", WriteCondition.NONE)));
    CommandCodec.Entry entry = CommandCodec.decodeEntry(CommandCodec.encodeBatch(List.of(good,
        CommandCodec.undecodable(), good)));
    assertTrue(entry.batch());
    assertEquals(3, entry.proposals().size());
    assertEquals("r", entry.proposals().get(0).requestId());
    assertNull(entry.proposals().get(1));
    CommandCodec.Entry single = CommandCodec.decodeEntry(good);
    assertEquals(false, single.batch());
    assertEquals(1, single.proposals().size());
    assertNull(CommandCodec.batchElements(good), "a single proposal is not read as a batch");
  }

  private Proposal proposal(String requestId, Command command) {
    return new Proposal(requestId, ++hlc, REGION, command);
  }

  private static Command.Put put(String key, String value, WriteCondition condition) {
    return new Command.Put(NS, bytes(key), bytes(value), Map.of(), List.of(), 0, 0, condition);
  }

  private StoredEntry stored(String key) {
    return engine.entries.get(new EntryKey(NS, bytes(key)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
