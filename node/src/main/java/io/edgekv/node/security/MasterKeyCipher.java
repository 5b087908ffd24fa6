package io.edgekv.node.security;

import io.edgekv.replication.storage.AtRest;
import io.edgekv.replication.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest with AES-256-GCM (DESIGN section 10). The master key file holds one or more
 * base64 keys of 32 bytes, one a line: the first seals, all open, so a key is rotated by putting
 * the new key first on every node and keeping the old ones until no data sealed with them is left.
 * Each master key derives (HKDF-SHA256) a key that seals Raft log entries and the tables of mixed
 * namespaces, a key that wraps data keys, and an 8-byte key id.
 *
 * <p>Entries are sealed under their namespace's data key: 32 random bytes made by the node that
 * proposes the namespace's first write in a shard, wrapped by the current master key (the
 * namespace and key id as associated data) and replicated as the shard's state ({@link
 * DataKeyring}), so every replica and every snapshot's receiver unwraps the same key. A rotation
 * registers a new one; old ones stay, so old records stay readable until background re-encryption
 * ({@code ReEncryption} in the replication module) has re-sealed them, and re-wraps data keys
 * that an older master key wraps. Every sealed record is
 *
 * <pre>  "EKV" 0xE1 | key id (8) | nonce (12) | AES-GCM(plain) with its 16-byte tag</pre>
 *
 * The header is authenticated as associated data. Bytes without the header are returned as they are
 * (records written before encryption was turned on).
 */
public final class MasterKeyCipher implements AtRest {
  private static final byte[] MAGIC = {'E', 'K', 'V', (byte) 0xE1};
  private static final int KEY_ID_BYTES = 8;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + NONCE_BYTES;
  /** Bytes a sealed record adds to the plain one. */
  public static final int OVERHEAD_BYTES = HEADER_BYTES + TAG_BITS / 8;

  private static final int DATA_KEY_BYTES = 32;

  private record DataKey(byte[] id, SecretKeySpec key, byte[] prk) {}

  /** A namespace's data key, unwrapped. */
  private record NamespaceKey(byte[] id, SecretKeySpec key) {}

  private final DataKey current;
  private final List<DataKey> all;
  private final Map<ByteBuffer, DataKey> byId = new HashMap<>();
  /** Every namespace data key this node has learned, by id (ids are random, so unique across shards). */
  private final Map<ByteBuffer, NamespaceKey> namespaceKeys = new ConcurrentHashMap<>();
  private final Map<Integer, ShardKeys> shards = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no AES-GCM in this JDK", e);
    }
  });

  /** A cipher over master keys (32 bytes each); the first seals. */
  public MasterKeyCipher(List<byte[]> masterKeys) {
    if (masterKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one master key is needed");
    }
    List<DataKey> keys = new ArrayList<>();
    for (byte[] master : masterKeys) {
      if (master.length != 32) {
        throw new IllegalArgumentException("a master key must be 32 bytes, found " + master.length);
      }
      DataKey key = derive(master);
      keys.add(key);
      byId.put(ByteBuffer.wrap(key.id()), key);
    }
    this.current = keys.get(0);
    this.all = List.copyOf(keys);
  }

  /**
   * Keys for another purpose derived from every master key, the current one first (the fleet-wide
   * MAC keys of {@link TokenMac}).
   */
  public List<byte[]> derivedKeys(String purpose) {
    List<byte[]> out = new ArrayList<>();
    for (DataKey key : all) {
      try {
        out.add(expand(key.prk(), purpose));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** The keys of a master key file (base64, one a line; blank lines and # comments ignored). */
  public static MasterKeyCipher read(Path file) throws IOException {
    List<byte[]> keys = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      try {
        keys.add(Base64.getDecoder().decode(t));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": a line is not base64: " + e.getMessage());
      }
    }
    try {
      return new MasterKeyCipher(keys);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage());
    }
  }

  /** HKDF-SHA256 (RFC 5869) with a fixed salt: the data key and the key id of a master key. */
  private static DataKey derive(byte[] master) {
    try {
      Mac extract = Mac.getInstance("HmacSHA256");
      extract.init(new SecretKeySpec("edgekv at-rest v1".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
      byte[] prk = extract.doFinal(master);
      byte[] dataKey = expand(prk, "data key");
      byte[] id = Arrays.copyOf(expand(prk, "key id"), KEY_ID_BYTES);
      return new DataKey(id, new SecretKeySpec(dataKey, "AES"), prk);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] expand(byte[] prk, String info) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update(info.getBytes(StandardCharsets.US_ASCII));
    mac.update((byte) 1);
    return mac.doFinal();
  }

  @Override
  public byte[] seal(byte[] plain) {
    return seal(current.id(), current.key(), plain);
  }

  private byte[] seal(byte[] keyId, SecretKeySpec key, byte[] plain) {
    return gcm(keyId, key, plain, new byte[0]);
  }

  /** {@code "EKV" 0xE1 | id | nonce | AES-GCM(plain)}, with the header and {@code context} as associated data. */
  private byte[] gcm(byte[] keyId, SecretKeySpec key, byte[] plain, byte[] context) {
    byte[] out = new byte[HEADER_BYTES + plain.length + TAG_BITS / 8];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    System.arraycopy(keyId, 0, out, MAGIC.length, KEY_ID_BYTES);
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, MAGIC.length + KEY_ID_BYTES, NONCE_BYTES);
    try {
      Cipher cipher = ciphers.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(out, 0, HEADER_BYTES);
      cipher.updateAAD(context);
      cipher.doFinal(plain, 0, plain.length, out, HEADER_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
  }

  private static byte[] ungcm(SecretKeySpec key, byte[] stored, byte[] context, Cipher cipher)
      throws GeneralSecurityException {
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, MAGIC.length + KEY_ID_BYTES,
        NONCE_BYTES));
    cipher.updateAAD(stored, 0, HEADER_BYTES);
    cipher.updateAAD(context);
    return cipher.doFinal(stored, HEADER_BYTES, stored.length - HEADER_BYTES);
  }

  @Override
  public AtRest forShard(int shard) {
    return shards.computeIfAbsent(shard, s -> new ShardKeys());
  }

  @Override
  public WrappedKey newDataKey(String namespace) {
    byte[] key = new byte[DATA_KEY_BYTES];
    byte[] id = new byte[KEY_ID_BYTES];
    random.nextBytes(key);
    random.nextBytes(id);
    return new WrappedKey(id, gcm(current.id(), wrappingKey(current), key, wrapContext(namespace, id)));
  }

  /** Unwraps a data key of the shard state; its namespace and id must be the ones it was wrapped for. */
  private NamespaceKey unwrap(String namespace, WrappedKey wrapped) {
    byte[] stored = wrapped.wrapped();
    DataKey master = isSealed(stored) ? byId.get(ByteBuffer.wrap(stored, MAGIC.length, KEY_ID_BYTES).slice()) : null;
    if (master == null) {
      throw new StorageException("the data key " + HexFormat.of().formatHex(wrapped.id()) + " of namespace '"
          + namespace + "' is wrapped by a master key this node does not hold: add it to security.masterKeyFile",
          null);
    }
    try {
      byte[] key = ungcm(wrappingKey(master), stored, wrapContext(namespace, wrapped.id()), ciphers.get());
      return new NamespaceKey(wrapped.id().clone(), new SecretKeySpec(key, "AES"));
    } catch (GeneralSecurityException e) {
      throw new StorageException("the data key " + HexFormat.of().formatHex(wrapped.id()) + " of namespace '"
          + namespace + "' does not unwrap (tampered, or wrapped for another namespace)", e);
    }
  }

  private static SecretKeySpec wrappingKey(DataKey master) {
    try {
      return new SecretKeySpec(expand(master.prk(), "wrapping key"), "AES");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] wrapContext(String namespace, byte[] id) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(ns.length + 1 + id.length).put(ns).put((byte) 0).put(id).array();
  }

  /** One shard's view: the node's keys, and the shard's current data key of each namespace. */
  private final class ShardKeys implements AtRest {
    private final Map<String, NamespaceKey> current = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    @Override
    public byte[] seal(byte[] plain) {
      return MasterKeyCipher.this.seal(plain);
    }

    @Override
    public byte[] seal(String namespace, byte[] plain) {
      NamespaceKey key = current.get(namespace);
      return key == null ? MasterKeyCipher.this.seal(plain) : MasterKeyCipher.this.seal(key.id(), key.key(), plain);
    }

    @Override
    public byte[] open(byte[] stored) {
      return MasterKeyCipher.this.open(stored);
    }

    @Override
    public boolean needsDataKey(String namespace) {
      return !current.containsKey(namespace);
    }

    @Override
    public WrappedKey newDataKey(String namespace) {
      return MasterKeyCipher.this.newDataKey(namespace);
    }

    @Override
    public void learnDataKey(String namespace, WrappedKey wrapped, boolean isCurrent) {
      NamespaceKey key = namespaceKeys.computeIfAbsent(ByteBuffer.wrap(wrapped.id().clone()),
          id -> unwrap(namespace, wrapped));
      if (isCurrent && current.put(namespace, key) != key) {
        generation.incrementAndGet();
      }
    }

    @Override
    public boolean stale(String namespace, byte[] stored) {
      NamespaceKey key = namespace == null ? null : current.get(namespace);
      byte[] want = key == null ? MasterKeyCipher.this.current.id() : key.id();
      return !isSealed(stored) || !Arrays.equals(stored, MAGIC.length, MAGIC.length + KEY_ID_BYTES, want, 0,
          KEY_ID_BYTES);
    }

    @Override
    public WrappedKey rewrapped(String namespace, WrappedKey wrapped) {
      byte[] stored = wrapped.wrapped();
      if (isSealed(stored) && Arrays.equals(stored, MAGIC.length, MAGIC.length + KEY_ID_BYTES,
          MasterKeyCipher.this.current.id(), 0, KEY_ID_BYTES)) {
        return null;
      }
      NamespaceKey key = namespaceKeys.computeIfAbsent(ByteBuffer.wrap(wrapped.id().clone()),
          id -> unwrap(namespace, wrapped));
      DataKey master = MasterKeyCipher.this.current;
      return new WrappedKey(wrapped.id(), gcm(master.id(), wrappingKey(master), key.key().getEncoded(),
          wrapContext(namespace, wrapped.id())));
    }

    @Override
    public long generation() {
      return generation.get();
    }
  }

  @Override
  public byte[] open(byte[] stored) {
    if (!isSealed(stored)) {
      return stored;
    }
    ByteBuffer id = ByteBuffer.wrap(stored, MAGIC.length, KEY_ID_BYTES).slice();
    DataKey master = byId.get(id);
    NamespaceKey namespace = master == null ? namespaceKeys.get(id) : null;
    if (master == null && namespace == null) {
      throw new StorageException("a record is sealed with a key this node does not hold (key id "
          + HexFormat.of().formatHex(stored, MAGIC.length, MAGIC.length + KEY_ID_BYTES)
          + "): a master key missing from security.masterKeyFile, or a data key of a shard not yet open", null);
    }
    try {
      return ungcm(master != null ? master.key() : namespace.key(), stored, new byte[0], ciphers.get());
    } catch (GeneralSecurityException e) {
      throw new StorageException("a sealed record does not authenticate (tampered or damaged)", e);
    }
  }

  /** Whether {@code bytes} start with the sealed-record header. */
  public static boolean isSealed(byte[] bytes) {
    return bytes.length >= OVERHEAD_BYTES && bytes[0] == MAGIC[0] && bytes[1] == MAGIC[1] && bytes[2] == MAGIC[2]
        && bytes[3] == MAGIC[3];
  }
}
