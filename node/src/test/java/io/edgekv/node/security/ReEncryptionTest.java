package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.AtRest;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.ReEncryption;
import io.edgekv.replication.storage.StorageOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background re-encryption on a real RocksDB engine with the real cipher and apply: after a data
 * key rotation every record moves to the new key with the same plain bytes (value, version, HLC,
 * digest), no file of the engine holds a record under the old key, nothing is applied and no
 * change event is written; a value apply writes between finding a stale record and re-sealing it
 * is never replaced; and after a new master key is put first, everything (data keys included)
 * moves under it, so the old master key can go.
 */
class ReEncryptionTest {
  private static final byte[] MAGIC = {'E', 'K', 'V', (byte) 0xE1};
  private static final int KEYS = 600;

  @TempDir
  Path dir;
  private long index;

  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private void apply(Applier applier, Command command) {
    index++;
    applier.apply(new Proposal("r" + index, HybridClock.fromMillis(1_700_000_000_000L) + index, "eu-west", command), 1,
        index);
  }

  private static Command.Put put(String key, String value) {
    return new Command.Put("shop", bytes(key), bytes(value), Map.of(), List.of(), 0, 0, WriteCondition.NONE);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, StoredEntry> entries(KvEngine engine) {
    Map<String, StoredEntry> out = new TreeMap<>();
    engine.entries.forEachFrom(null, (key, entry) -> {
      out.put(key.toString(), entry);
      return true;
    });
    return out;
  }

  private static int changelogSize(KvEngine engine) {
    int[] n = {0};
    engine.changelog.forEachFrom(null, (key, value) -> {
      n[0]++;
      return true;
    });
    return n[0];
  }

  /** Runs re-encryption steps as the node does, until a step finds nothing; returns the steps taken. */
  private static int runToEnd(ReEncryption reencryption) {
    int steps = 0;
    for (; steps < 10_000; steps++) {
      ReEncryption.Step step = reencryption.find(64, 16 << 10);
      if (step.isEmpty()) {
        return steps;
      }
      reencryption.reseal(step);
    }
    throw new AssertionError("re-encryption did not finish in 10,000 steps");
  }

  /** Files of the engine (after a flush and a full compaction) holding a record sealed with {@code keyId}. */
  private static List<Path> filesSealedWith(KvEngine engine, byte[] keyId) throws IOException {
    engine.flush();
    engine.compact();
    byte[] header = new byte[MAGIC.length + keyId.length];
    System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
    System.arraycopy(keyId, 0, header, MAGIC.length, keyId.length);
    List<Path> hits = new ArrayList<>();
    try (Stream<Path> files = Files.list(engine.dir())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (SecureClusterTest.contains(Files.readAllBytes(f), header)) {
          hits.add(f);
        }
      }
    }
    return hits;
  }

  @Test
  void afterARotationEveryRecordMovesToTheNewKeyWithTheSameBytesNoApplyAndNoEvent() throws IOException {
    MasterKeyCipher cipher = new MasterKeyCipher(List.of(randomKey()));
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, cipher.forShard(0))) {
      Applier applier = new Applier(engine, 0);
      AtRest.WrappedKey first = cipher.newDataKey("shop");
      apply(applier, new Command.RegisterDataKey("shop", first.id(), first.wrapped(), false));
      for (int i = 0; i < KEYS; i++) {
        apply(applier, put("k" + i, "value-" + i));
      }
      ReEncryption reencryption = new ReEncryption(engine);
      runToEnd(reencryption);
      assertEquals(0, reencryption.countStale(), "everything is under the current key before the rotation");
      AtRest.WrappedKey second = cipher.newDataKey("shop");
      apply(applier, new Command.RegisterDataKey("shop", second.id(), second.wrapped(), true));
      Map<String, StoredEntry> before = entries(engine);
      var position = engine.appliedPosition();
      int events = changelogSize(engine);
      assertEquals(KEYS, reencryption.countStale(), "every entry rests under the old key after the rotation");

      int steps = runToEnd(reencryption);
      assertTrue(steps > 5, "rate-limited: the work took several steps, took " + steps);
      assertEquals(0, reencryption.countStale());
      assertEquals(0, reencryption.remaining());
      assertEquals(before, entries(engine), "values, versions, HLCs and digests unchanged");
      assertEquals(position, engine.appliedPosition(), "nothing applied");
      assertEquals(events, changelogSize(engine), "no change event");
      assertEquals(List.of(), filesSealedWith(engine, first.id()), "files with a record under the old key");
    }
  }

  @Test
  void aValueWrittenAfterTheStaleRecordWasFoundIsNeverReplaced() {
    MasterKeyCipher cipher = new MasterKeyCipher(List.of(randomKey()));
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, cipher.forShard(0))) {
      Applier applier = new Applier(engine, 0);
      AtRest.WrappedKey first = cipher.newDataKey("shop");
      apply(applier, new Command.RegisterDataKey("shop", first.id(), first.wrapped(), false));
      apply(applier, put("a", "old-a"));
      apply(applier, put("b", "old-b"));
      ReEncryption reencryption = new ReEncryption(engine);
      runToEnd(reencryption);
      AtRest.WrappedKey second = cipher.newDataKey("shop");
      apply(applier, new Command.RegisterDataKey("shop", second.id(), second.wrapped(), true));

      ReEncryption.Step step = reencryption.find(64, 1 << 20);
      assertEquals(2, step.targets().size(), "both entries found stale");
      apply(applier, put("a", "new-a"));
      StoredEntry newer = engine.entries.get(new EntryKey("shop", bytes("a")));
      assertEquals(1, reencryption.reseal(step), "only b was still stale");
      assertEquals(newer, engine.entries.get(new EntryKey("shop", bytes("a"))), "the newer value stays");
      assertEquals("old-b", engine.entries.get(new EntryKey("shop", bytes("b"))).getValue().toStringUtf8());
      runToEnd(reencryption);
      assertEquals(0, reencryption.countStale());
    }
  }

  @Test
  void aNewMasterKeyTakesOverEverythingSoTheOldOneCanGo() {
    byte[] oldMaster = randomKey();
    byte[] newMaster = randomKey();
    MasterKeyCipher cipher = new MasterKeyCipher(List.of(oldMaster));
    Map<String, StoredEntry> before;
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, cipher.forShard(0))) {
      Applier applier = new Applier(engine, 0);
      AtRest.WrappedKey key = cipher.newDataKey("shop");
      apply(applier, new Command.RegisterDataKey("shop", key.id(), key.wrapped(), false));
      for (int i = 0; i < 50; i++) {
        apply(applier, put("k" + i, "value-" + i));
      }
      before = entries(engine);
    }
    // Restarted with the new master key first and the old one still in the file.
    MasterKeyCipher both = new MasterKeyCipher(List.of(newMaster, oldMaster));
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, both.forShard(0))) {
      ReEncryption reencryption = new ReEncryption(engine);
      assertTrue(reencryption.countStale() > 0, "the request records and the logs rest under the old master key");
      runToEnd(reencryption);
      assertEquals(0, reencryption.countStale());
    }
    // The old master key removed from the file: the data keys unwrap and every record opens.
    MasterKeyCipher onlyNew = new MasterKeyCipher(List.of(newMaster));
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, onlyNew.forShard(0))) {
      assertEquals(before, entries(engine));
      assertEquals(0, new ReEncryption(engine).countStale());
      engine.requests.forEachFrom(null, (k, v) -> true);
      engine.replog.forEachFrom(null, (k, v) -> true);
      engine.changelog.forEachFrom(null, (k, v) -> true);
    }
  }
}
