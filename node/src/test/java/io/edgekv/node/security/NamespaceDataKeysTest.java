package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.AtRest;
import io.edgekv.replication.storage.DataKeyring;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.StorageException;
import io.edgekv.replication.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-namespace data keys on a real RocksDB engine with the real cipher and apply: each namespace's
 * entries are sealed under its own key, the wrapped keys are the shard's state (a node that knows
 * only the master key opens everything after a restart), a rotation seals new writes under a new
 * key while old ones stay readable, and a wrapped key does not unwrap for another namespace.
 */
class NamespaceDataKeysTest {
  private static final byte[] MASTER = new byte[32];

  static {
    new SecureRandom().nextBytes(MASTER);
  }

  @TempDir
  Path dir;
  private long index;

  /** The cipher's shard view, remembering the last bytes it sealed per namespace. */
  private static final class Recording implements AtRest {
    final AtRest view;
    final Map<String, byte[]> lastSealed = new HashMap<>();

    Recording(AtRest view) {
      this.view = view;
    }

    @Override
    public byte[] seal(byte[] plain) {
      return view.seal(plain);
    }

    @Override
    public byte[] seal(String namespace, byte[] plain) {
      byte[] sealed = view.seal(namespace, plain);
      lastSealed.put(namespace, sealed);
      return sealed;
    }

    @Override
    public byte[] open(byte[] stored) {
      return view.open(stored);
    }

    @Override
    public void learnDataKey(String namespace, WrappedKey key, boolean current) {
      view.learnDataKey(namespace, key, current);
    }
  }

  private void apply(Applier applier, Command command) {
    index++;
    applier.apply(new Proposal("", HybridClock.fromMillis(1_700_000_000_000L) + index, "eu-west", command), 1, index);
  }

  private static Command.Put put(String namespace, String key, String value) {
    return new Command.Put(namespace, bytes(key), bytes(value), Map.of(), List.of(), 0, 0, WriteCondition.NONE);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] keyIdOf(byte[] sealed) {
    return Arrays.copyOfRange(sealed, 4, 12);
  }

  private static String value(KvEngine engine, String namespace, String key) {
    return engine.entries.get(new EntryKey(namespace, bytes(key))).getValue().toStringUtf8();
  }

  @Test
  void namespacesAreSealedUnderTheirOwnReplicatedKeysAndARotationKeepsOldRecordsReadable() {
    MasterKeyCipher cipher = new MasterKeyCipher(List.of(MASTER));
    Recording recording = new Recording(cipher.forShard(0));
    byte[] firstAlphaKey;
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, recording)) {
      Applier applier = new Applier(engine, 0);
      assertTrue(recording.view.needsDataKey("alpha"));
      AtRest.WrappedKey alpha = cipher.newDataKey("alpha");
      apply(applier, new Command.RegisterDataKey("alpha", alpha.id(), alpha.wrapped(), false));
      assertFalse(recording.view.needsDataKey("alpha"), "apply made the key current");
      apply(applier, put("alpha", "k", "one"));
      apply(applier, put("beta", "k", "two"));
      firstAlphaKey = DataKeyring.current(engine, "alpha");
      assertArrayEquals(alpha.id(), firstAlphaKey, "the key is the shard's state");
      assertArrayEquals(alpha.id(), keyIdOf(recording.lastSealed.get("alpha")), "alpha sealed under its key");
      assertNull(DataKeyring.current(engine, "beta"));
      assertFalse(Arrays.equals(alpha.id(), keyIdOf(recording.lastSealed.get("beta"))),
          "a namespace without a key of its own is sealed under the master-derived key, not alpha's");

      AtRest.WrappedKey other = cipher.newDataKey("alpha");
      apply(applier, new Command.RegisterDataKey("alpha", other.id(), other.wrapped(), false));
      assertArrayEquals(alpha.id(), DataKeyring.current(engine, "alpha"), "a second registration keeps the first");

      AtRest.WrappedKey rotated = cipher.newDataKey("alpha");
      apply(applier, new Command.RegisterDataKey("alpha", rotated.id(), rotated.wrapped(), true));
      apply(applier, put("alpha", "k2", "three"));
      assertArrayEquals(rotated.id(), keyIdOf(recording.lastSealed.get("alpha")), "new writes use the new key");
      assertEquals("one", value(engine, "alpha", "k"), "an old record stays readable");
    }
    // Another node (or this one restarted) with only the master key: the wrapped keys in the
    // shard's state open every record.
    MasterKeyCipher fresh = new MasterKeyCipher(List.of(MASTER));
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL, fresh.forShard(0))) {
      assertEquals("one", value(engine, "alpha", "k"));
      assertEquals("three", value(engine, "alpha", "k2"));
      assertEquals("two", value(engine, "beta", "k"));
      assertFalse(fresh.forShard(0).needsDataKey("alpha"));
      assertFalse(Arrays.equals(firstAlphaKey, DataKeyring.current(engine, "alpha")));
    }
  }

  @Test
  void aWrappedKeyOpensOnlyForItsNamespaceAndOnlyWithItsMasterKey() {
    MasterKeyCipher cipher = new MasterKeyCipher(List.of(MASTER));
    AtRest.WrappedKey alpha = cipher.newDataKey("alpha");
    assertThrows(StorageException.class, () -> cipher.forShard(1).learnDataKey("beta", alpha, true));
    byte[] otherMaster = new byte[32];
    new SecureRandom().nextBytes(otherMaster);
    MasterKeyCipher stranger = new MasterKeyCipher(List.of(otherMaster));
    StorageException e = assertThrows(StorageException.class,
        () -> stranger.forShard(0).learnDataKey("alpha", alpha, true));
    assertTrue(e.getMessage().contains("master key this node does not hold"), e.getMessage());
    // After a master key rotation (new key first, old kept), the old wrapped keys still open.
    MasterKeyCipher rotatedMaster = new MasterKeyCipher(List.of(otherMaster, MASTER));
    rotatedMaster.forShard(0).learnDataKey("alpha", alpha, true);
    assertNotNull(rotatedMaster.forShard(0));
    assertFalse(rotatedMaster.forShard(0).needsDataKey("alpha"));
  }
}
