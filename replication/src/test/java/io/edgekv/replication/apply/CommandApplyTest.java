package io.edgekv.replication.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReplicationKeys;
import io.edgekv.replication.storage.StorageOptions;
import io.edgekv.replication.storage.StoredEntries;
import io.edgekv.replication.storage.Table;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each command applied to a real RocksDB engine: what it stores, which indexes, purge records,
 * replication-log entries, version-vector positions and changelog events it leaves, and what it
 * returns. After every apply the in-memory version vector must equal the stored one.
 */
class CommandApplyTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final String NS = "default";
  private static final String REGION = "eu-west";

  @TempDir
  Path dir;
  private KvEngine engine;
  private Applier applier;
  private long index;
  private Applier.Outcome last;

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
  void putStoresTheValueWithItsIndexesLogsItAndEmitsAnEvent() {
    CommandResult first = apply(put("k", "v1", List.of("blue"), 0, 0));
    assertFalse(first.getApplied().getExisted());
    StoredEntry stored = stored("k");
    assertEquals("v1", stored.getValue().toStringUtf8());
    assertArrayEquals(Entries.sha256(bytes("v1")), stored.getDigest().toByteArray());
    assertEquals(1, count(engine.tagIndex));
    assertEquals(event(ChangeKind.PUT), kinds());
    assertEquals(1L, applier.versionVector().get(REGION));
    Mutation logged = logged(REGION, 1);
    assertEquals(MutationKind.MUTATION_PUT, logged.getKind());
    assertEquals("v1", logged.getValue().toStringUtf8());

    CommandResult second = apply(put("k", "v2", List.of("green"), 60_000, NOW + 60_000));
    assertTrue(second.getApplied().getExisted());
    assertTrue(Version.of(second.getApplied().getVersion()).compareTo(Version.of(first.getApplied().getVersion())) > 0);
    assertEquals(1, count(engine.tagIndex), "the old tag's index entry is gone, the new one is there");
    assertEquals(1, count(engine.expiryIndex));
    assertEquals(2L, applier.versionVector().get(REGION));
  }

  @Test
  void namespaceUsageCountsLiveEntriesAndBytesInTheBatchAndARecountAgrees() {
    apply(put("k1", "12345", List.of(), 0, 0));
    apply(put("k2", "123", List.of(), 1_000, NOW + 1_000));
    apply(new Command.Put("other", bytes("x"), bytes("yy"), Map.of(), List.of(), 0, 0, WriteCondition.NONE));
    assertEquals(new NamespaceUsage.Usage(2, 2 + 5 + 2 + 3), NamespaceUsage.read(engine, NS));
    apply(put("k1", "1", List.of(), 0, 0));
    assertEquals(new NamespaceUsage.Usage(2, 2 + 1 + 2 + 3), NamespaceUsage.read(engine, NS), "an overwrite is no new key");
    apply(new Command.Delete(NS, bytes("k2"), WriteCondition.NONE));
    assertEquals(new NamespaceUsage.Usage(1, 3), NamespaceUsage.read(engine, NS), "a tombstone counts nothing");
    apply(new Command.Txn(NS, List.of(), List.of(put("t1", "abcd", List.of(), 0, 0)),
        List.of(new Command.Delete(NS, bytes("k1"), WriteCondition.NONE))));
    assertEquals(new NamespaceUsage.Usage(1, 6), NamespaceUsage.read(engine, NS));
    assertEquals(new NamespaceUsage.Usage(1, 3), NamespaceUsage.read(engine, "other"));
    Map<String, NamespaceUsage.Usage> stored = NamespaceUsage.all(engine);

    engine.close();
    engine = new KvEngine(dir, StorageOptions.SMALL);
    applier = new Applier(engine, 0);
    assertEquals(stored, NamespaceUsage.all(engine), "the counts are stored state: a restart keeps them");
    Map<String, NamespaceUsage.Usage> recount = new HashMap<>();
    engine.entries.forEachFrom(null, (key, entry) -> {
      if (!entry.getTombstone()) {
        recount.merge(key.namespace(), new NamespaceUsage.Usage(1, NamespaceUsage.bytesOf(key, entry)),
            NamespaceUsage.Usage::plus);
      }
      return true;
    });
    assertEquals(recount, stored, "the counts kept by apply equal a count of the entries");
  }

  @Test
  void aFailedConditionWritesNothing() {
    apply(put("k", "v1", List.of(), 0, 0));
    CommandResult refused = apply(new Command.Put(NS, bytes("k"), bytes("v2"), Map.of(), List.of(), 0, 0,
        new WriteCondition.IfAbsent()));
    assertTrue(refused.hasConditionFailed());
    assertEquals("v1", stored("k").getValue().toStringUtf8());
    assertEquals(1L, applier.versionVector().get(REGION), "nothing logged for other regions");
    assertEquals(List.of(), last.events());
  }

  @Test
  void deleteLeavesAnIndexedTombstone() {
    apply(put("k", "v", List.of("blue"), 0, 0));
    CommandResult deleted = apply(new Command.Delete(NS, bytes("k"), WriteCondition.NONE));
    assertTrue(deleted.getApplied().getExisted());
    assertTrue(stored("k").getTombstone());
    assertEquals(0, count(engine.tagIndex));
    assertEquals(1, count(engine.tombstoneIndex));
    assertEquals(event(ChangeKind.DELETE), kinds());
    assertEquals(List.of("blue"), last.events().get(0).getTagsList());
    assertEquals(MutationKind.MUTATION_DELETE, logged(REGION, 2).getKind());
  }

  @Test
  void touchRenewsTheExpiryAndReturnsIt() {
    apply(put("k", "v", List.of(), 1_000, NOW + 1_000));
    CommandResult touched = apply(new Command.Touch(NS, bytes("k"), 60_000, NOW + 60_000));
    assertTrue(touched.getApplied().getExisted());
    assertEquals(NOW + 60_000, touched.getApplied().getExpiresAtUnixMs());
    assertEquals(NOW + 60_000, stored("k").getExpiresAtUnixMs());
    assertEquals(StoredEntries.version(stored("k")), Version.of(touched.getApplied().getVersion()));
    assertEquals(1, count(engine.expiryIndex), "the old deadline's index entry is gone");

    CommandResult missing = apply(new Command.Touch(NS, bytes("absent"), 60_000, NOW + 60_000));
    assertFalse(missing.getApplied().getExisted());
    assertFalse(missing.getApplied().hasExpiresAtUnixMs());
    assertNull(stored("absent"));
  }

  @Test
  void expireRemovesOnlyTheSweptVersionOnceExpired() {
    apply(put("gone", "v", List.of(), 1, NOW - 1));
    apply(put("renewed", "v", List.of(), 1, NOW - 1));
    Version swept = StoredEntries.version(stored("renewed"));
    apply(put("renewed", "v2", List.of(), 0, 0));
    apply(new Command.Expire(List.of(target("gone"), new Command.ExpireTarget(NS, bytes("renewed"), swept))));
    assertTrue(stored("gone").getTombstone());
    assertFalse(stored("renewed").getTombstone(), "a newer version is not expired by an old sweep");
    assertEquals(event(ChangeKind.EXPIRE), kinds());
  }

  @Test
  void txnAppliesAllOrNothing() {
    apply(put("a", "1", List.of(), 0, 0));
    CommandResult refused = apply(new Command.Txn(NS, List.of(new Command.TxnCheck(bytes("a"),
        new WriteCondition.IfAbsent())), List.of(put("b", "2", List.of(), 0, 0)), List.of()));
    assertTrue(refused.hasConditionFailed());
    assertNull(stored("b"));

    CommandResult done = apply(new Command.Txn(NS, List.of(), List.of(put("b", "2", List.of(), 0, 0)),
        List.of(new Command.Delete(NS, bytes("a"), WriteCondition.NONE))));
    assertTrue(done.hasApplied());
    assertEquals("2", stored("b").getValue().toStringUtf8());
    assertTrue(stored("a").getTombstone());
    assertEquals(List.of(ChangeKind.PUT, ChangeKind.DELETE), kinds());
    assertEquals(3L, applier.versionVector().get(REGION), "one put before, then a put and a delete");
  }

  @Test
  void collectTombstonesRemovesTheTombstoneAndItsIndex() {
    apply(put("k", "v", List.of(), 0, 0));
    apply(new Command.Delete(NS, bytes("k"), WriteCondition.NONE));
    apply(new Command.CollectTombstones(List.of(target("k"))));
    assertNull(stored("k"));
    assertEquals(0, count(engine.tombstoneIndex));
    assertEquals(List.of(), last.events());
  }

  @Test
  void incrementReturnsTheTotalAndARetryGetsTheSameResult() {
    assertEquals(5, apply("inc-1", new Command.Increment(NS, bytes("c"), 5)).getApplied().getCounterValue());
    assertEquals(5, apply("inc-1", new Command.Increment(NS, bytes("c"), 5)).getApplied().getCounterValue());
    assertEquals(2, apply("inc-2", new Command.Increment(NS, bytes("c"), -3)).getApplied().getCounterValue());
    StoredEntry counter = stored("c");
    assertTrue(counter.getCounter());
    assertEquals("2", counter.getValue().toStringUtf8());
    assertEquals(Map.of(REGION, 5L), counter.getCounterPMap());
    assertEquals(Map.of(REGION, 3L), counter.getCounterNMap());
    assertEquals(MutationKind.MUTATION_COUNTER, logged(REGION, 2).getKind());
    assertEquals(2L, applier.versionVector().get(REGION), "the retried increment applied once");
  }

  @Test
  void aPrefixPurgeTombstonesWhatMatchesLeavesAReceiptAndKillsALateOlderWrite() {
    Mutation late = remotePut("us-east", 1, "user/late", NOW - 10_000);
    apply(put("user/1", "v", List.of(), 0, 0));
    apply(put("other", "v", List.of(), 0, 0));
    apply(new Command.Purge(NS, new Command.PurgeSelector.Prefix(bytes("user/")), false, "purge-1"));
    assertTrue(stored("user/1").getTombstone());
    assertFalse(stored("other").getTombstone());
    assertEquals(event(ChangeKind.PURGE), kinds());
    assertNotNull(engine.purgeReceipts.get(bytes("purge-1")));
    assertNotNull(engine.purges.get(ReplicationKeys.prefixPurgeKey(NS, bytes("user/"))));
    assertEquals(MutationKind.MUTATION_PURGE, logged(REGION, 3).getKind());

    apply(new Command.ApplyRemote(List.of(late)));
    assertTrue(stored("user/late").getTombstone(), "a write older than the purge does not come back");
    assertEquals(Version.of(late.getVersion()), StoredEntries.version(stored("user/late")),
        "only a tombstone of its version stays");
    assertEquals(1L, applier.versionVector().get("us-east"), "but it takes its place in the sequence");
  }

  @Test
  void aTagPurgeMatchesByTagAndASoftPurgeOnlyFlagsStale() {
    apply(put("a", "v", List.of("red"), 0, 0));
    apply(put("b", "v", List.of("blue"), 0, 0));
    apply(new Command.Purge(NS, new Command.PurgeSelector.Tag("red"), false, ""));
    assertTrue(stored("a").getTombstone());
    assertFalse(stored("b").getTombstone());

    apply(new Command.Purge(NS, new Command.PurgeSelector.Tag("blue"), true, ""));
    assertTrue(stored("b").getStale());
    assertFalse(stored("b").getTombstone());
    assertNull(engine.purges.get(ReplicationKeys.tagPurgeKey(NS, "blue")), "a soft purge records nothing");
  }

  @Test
  void aWriteDeadOnArrivalLeavesATombstoneOfItsVersionSoThatAnOlderWriteArrivingLaterStaysDead() {
    // The simulation's seed 4 (10 regions): the purge arrived first, the purged write left no
    // trace, and an older write of the key arriving after it was live here only.
    apply(new Command.Purge(NS, new Command.PurgeSelector.Tag("t7"), false, ""));
    Mutation purged = remotePut("us-east", 1, "k", NOW - 5_000).toBuilder().addTags("t7").build();
    apply(new Command.ApplyRemote(List.of(purged)));
    assertTrue(stored("k").getTombstone(), "dead on arrival");
    assertEquals(Version.of(purged.getVersion()), StoredEntries.version(stored("k")), "at the purged write's version");
    apply(new Command.ApplyRemote(List.of(remotePut("ap-south", 1, "k", NOW - 6_000))));
    assertTrue(stored("k").getTombstone(), "an older write arriving later does not come back");
    assertEquals(Version.of(purged.getVersion()), StoredEntries.version(stored("k")));
  }

  @Test
  void appliedStampsFollowTheLogAndTheEntryStampSurvivesAReopen() {
    apply(new Command.ApplyRemote(List.of(remotePut("us-east", 1, "r", NOW - 1_000))));
    apply(put("k", "v", List.of(), 0, 0));
    apply(new Command.CollectTombstones(List.of()));
    long entry = HybridClock.fromMillis(NOW) + index;
    AppliedStamps stamps = applier.appliedStamps();
    assertEquals(HybridClock.fromMillis(NOW - 1_000), stamps.byOrigin().get("us-east"));
    assertEquals(HybridClock.fromMillis(NOW) + 2, stamps.byOrigin().get(REGION), "the stamp of its own last mutation");
    assertEquals(entry, stamps.entry(), "an entry without mutations moves the entry stamp on");
    assertEquals(entry, engine.appliedPosition().getStamp(), "stored with the applied position");
    AppliedStamps reopened = new Applier(engine, 0).appliedStamps();
    assertEquals(stamps.byOrigin(), reopened.byOrigin());
    assertEquals(entry, reopened.entry());
  }

  @Test
  void publishEmitsAnEventAndIsLoggedButStoresNoEntry() {
    apply(new Command.Publish(NS, "prices", bytes("payload"), "pub-1"));
    assertEquals(event(ChangeKind.PUBLISH), kinds());
    assertEquals("prices", last.events().get(0).getTopic());
    assertEquals(0, count(engine.entries));
    assertEquals(MutationKind.MUTATION_PUBLISH, logged(REGION, 1).getKind());
    assertEquals(1, changelogSize());
  }

  @Test
  void applyRemoteMergesInSequenceAndSkipsDuplicates() {
    Mutation one = remotePut("us-east", 1, "r", NOW);
    Mutation two = remotePut("us-east", 2, "r", NOW + 1);
    apply(new Command.ApplyRemote(List.of(one)));
    apply(new Command.ApplyRemote(List.of(one, two)));
    assertEquals(2L, applier.versionVector().get("us-east"));
    assertEquals(Version.of(two.getVersion()), StoredEntries.version(stored("r")));
    assertEquals(two, logged("us-east", 2), "kept for relaying");
    assertEquals(event(ChangeKind.PUT), kinds(), "the duplicate emitted nothing");
  }

  @Test
  void repairMergesByVersionAndRaisesTheVector() {
    Mutation newer = remotePut("us-east", 7, "r", NOW);
    apply(new Command.Repair(List.of(newer), Map.of("us-east", 7L)));
    assertEquals("r", stored("r").getValue().toStringUtf8());
    assertEquals(7L, applier.versionVector().get("us-east"));
    apply(new Command.Repair(List.of(remotePut("us-east", 3, "r", NOW - 5_000)), Map.of("us-east", 3L)));
    assertEquals(Version.of(newer.getVersion()), StoredEntries.version(stored("r")), "an older version loses");
    assertEquals(7L, applier.versionVector().get("us-east"), "the vector never goes back");
  }

  @Test
  void theReplicationLogIsTrimmedOutsideApply() {
    for (int i = 0; i < 30; i++) {
      apply(put("k" + i, "v", List.of(), 0, 0));
    }
    applier.trimReplicationLog(10);
    assertNull(engine.replog.get(ReplicationKeys.logKey(REGION, 20)));
    assertNotNull(engine.replog.get(ReplicationKeys.logKey(REGION, 21)));
    assertEquals(10, count(engine.replog));
    assertEquals(30L, applier.versionVector().get(REGION));
  }

  @Test
  void aReopenedEngineServesTheStoredVector() {
    apply(new Command.ApplyRemote(List.of(remotePut("us-east", 1, "r", NOW))));
    apply(put("k", "v", List.of(), 0, 0));
    assertEquals(Map.of("us-east", 1L, REGION, 1L), new Applier(engine, 0).versionVector());
  }

  // ---- helpers ----

  private CommandResult apply(Command command) {
    return apply("", command);
  }

  private CommandResult apply(String requestId, Command command) {
    index++;
    last = applier.apply(new Proposal(requestId, HybridClock.fromMillis(NOW) + index, REGION, command), 1, index);
    assertEquals(ReplicationKeys.versionVector(engine), applier.versionVector(),
        "the vector in memory is the stored one after index " + index);
    assertEquals(index, engine.appliedPosition().getIndex());
    return last.result();
  }

  private static Command.Put put(String key, String value, List<String> tags, long ttl, long expiresAt) {
    return new Command.Put(NS, bytes(key), bytes(value), Map.of(), tags, ttl, expiresAt, WriteCondition.NONE);
  }

  private Command.ExpireTarget target(String key) {
    return new Command.ExpireTarget(NS, bytes(key), StoredEntries.version(stored(key)));
  }

  private static Mutation remotePut(String origin, long seq, String key, long millis) {
    return Mutation.newBuilder().setFormat(1).setKind(MutationKind.MUTATION_PUT).setOriginRegion(origin).setSeq(seq)
        .setNamespace(NS).setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(key))
        .setVersion(new Version(HybridClock.fromMillis(millis), origin).toProto())
        .setStampedHlc(HybridClock.fromMillis(millis)).build();
  }

  private StoredEntry stored(String key) {
    return engine.entries.get(new EntryKey(NS, bytes(key)));
  }

  private Mutation logged(String origin, long seq) {
    byte[] bytes = engine.replog.get(ReplicationKeys.logKey(origin, seq));
    assertNotNull(bytes, "replication log holds " + origin + "/" + seq);
    try {
      return Mutation.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private List<ChangeKind> kinds() {
    return last.events().stream().map(ChangeEvent::getKind).toList();
  }

  private static List<ChangeKind> event(ChangeKind kind) {
    return List.of(kind);
  }

  private int changelogSize() {
    return count(engine.changelog);
  }

  private static <K, V> int count(Table<K, V> table) {
    List<K> keys = new ArrayList<>();
    table.forEachFrom(null, (k, v) -> keys.add(k));
    return keys.size();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
