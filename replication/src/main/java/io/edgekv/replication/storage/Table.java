package io.edgekv.replication.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A typed view of one column family. Reads go straight to the store; writes only go into a
 * {@link WriteBatch}, so that every change of one applied command commits atomically.
 */
public final class Table<K, V> {
  private final String name;
  private final Family family;
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final AtRest atRest;
  private final Function<K, String> namespaceOf;

  Table(String name, Family family, Codec<K> keyCodec, Codec<V> valueCodec) {
    this(name, family, keyCodec, valueCodec, AtRest.PLAINTEXT, null);
  }

  /**
   * A table whose values are sealed by {@code atRest} on disk (keys are not); with {@code
   * namespaceOf}, each under the data key of its key's namespace.
   */
  Table(String name, Family family, Codec<K> keyCodec, Codec<V> valueCodec, AtRest atRest,
      Function<K, String> namespaceOf) {
    this.atRest = atRest;
    this.namespaceOf = namespaceOf;
    this.name = name;
    this.family = family;
    this.keyCodec = keyCodec;
    this.valueCodec = valueCodec;
  }

  public String name() {
    return name;
  }

  public V get(K key) {
    try {
      byte[] bytes = family.get(keyCodec.encode(key));
      return bytes == null ? null : valueCodec.decode(atRest.open(bytes));
    } catch (RocksDBException e) {
      throw StorageException.of("read from " + name, e);
    }
  }

  /**
   * Reads {@code keys} from one consistent view of the store (RocksDB: one snapshot): an atomic
   * batch applied meanwhile is seen by all of them or by none (a read-only transaction, BatchGet,
   * relies on it).
   *
   * @return the values in key order, null where a key is absent
   */
  public List<V> getAll(List<K> keys) {
    try {
      return decodeAll(family.getAll(keys.stream().map(keyCodec::encode).toList()));
    } catch (RocksDBException e) {
      throw StorageException.of("read from " + name, e);
    }
  }

  /**
   * {@link #getAll} served from memory only (no file read, so never a wait on the disk).
   *
   * @throws NotInMemoryException when a key needs the disk
   */
  public List<V> getAllInMemory(List<K> keys) {
    try {
      List<byte[]> raw = family.getAllInMemory(keys.stream().map(keyCodec::encode).toList());
      if (raw == null) {
        throw new NotInMemoryException(name);
      }
      return decodeAll(raw);
    } catch (RocksDBException e) {
      throw StorageException.of("read from " + name, e);
    }
  }

  private List<V> decodeAll(List<byte[]> raw) {
    List<V> out = new ArrayList<>(raw.size());
    for (byte[] bytes : raw) {
      out.add(bytes == null ? null : valueCodec.decode(atRest.open(bytes)));
    }
    return out;
  }

  public void put(WriteBatch batch, K key, V value) {
    try {
      byte[] plain = valueCodec.encode(value);
      family.put(batch, keyCodec.encode(key),
          namespaceOf == null ? atRest.seal(plain) : atRest.seal(namespaceOf.apply(key), plain));
    } catch (RocksDBException e) {
      throw StorageException.of("batch put into " + name, e);
    }
  }

  public void delete(WriteBatch batch, K key) {
    try {
      family.delete(batch, keyCodec.encode(key));
    } catch (RocksDBException e) {
      throw StorageException.of("batch delete from " + name, e);
    }
  }

  /** Deletes keys in {@code [from, to)} in a batch. */
  public void deleteRange(WriteBatch batch, K from, K to) {
    try {
      family.deleteRange(batch, keyCodec.encode(from), keyCodec.encode(to));
    } catch (RocksDBException e) {
      throw StorageException.of("batch delete-range in " + name, e);
    }
  }

  /**
   * Visits entries in key order starting at {@code from} (inclusive) until the visitor returns
   * false or the table ends.
   *
   * @throws StorageException when the scan stops short because of a storage error (a RocksDB
   *     iterator turns invalid on a corrupt block as it does at the end of the data; only its
   *     status tells them apart), so a caller never takes a partial scan for a complete one
   */
  public void forEachFrom(K from, BiPredicate<K, V> visitor) {
    try {
      family.scan(from == null ? null : keyCodec.encode(from),
          (key, value) -> visitor.test(keyCodec.decode(key), valueCodec.decode(atRest.open(value))));
    } catch (RocksDBException e) {
      throw StorageException.of("scan of " + name, e);
    }
  }

  /** Whether this table's values are sealed (so re-encryption has something to do). */
  boolean sealed() {
    return atRest != AtRest.PLAINTEXT;
  }

  /**
   * Visits the stored (sealed) bytes in key order from {@code from} (raw key, inclusive; null: the
   * first) with whether each is {@link AtRest#stale}, until the visitor returns false. Nothing is
   * decrypted.
   */
  void forEachStoredFrom(byte[] from, StoredVisitor visitor) {
    try {
      family.scan(from, (key, stored) -> visitor.visit(key, stored.length, atRest.stale(namespaceOfRaw(key), stored)));
    } catch (RocksDBException e) {
      throw StorageException.of("scan of " + name, e);
    }
  }

  /** What {@link #forEachStoredFrom} visits. */
  @FunctionalInterface
  interface StoredVisitor {
    boolean visit(byte[] key, int storedBytes, boolean stale);
  }

  /**
   * Adds to {@code batch} the value stored under raw {@code key} re-sealed under the current key,
   * if it is still stale when read now: the same plain bytes, so nothing a reader sees changes.
   * The caller holds the lock apply holds, so no newer value can be written between this read and
   * the batch's write. Returns whether it added a put.
   */
  boolean reseal(WriteBatch batch, byte[] key) {
    try {
      byte[] stored = family.get(key);
      String namespace = namespaceOfRaw(key);
      if (stored == null || !atRest.stale(namespace, stored)) {
        return false;
      }
      byte[] plain = atRest.open(stored);
      family.put(batch, key, namespace == null ? atRest.seal(plain) : atRest.seal(namespace, plain));
      return true;
    } catch (RocksDBException e) {
      throw StorageException.of("re-seal in " + name, e);
    }
  }

  private String namespaceOfRaw(byte[] key) {
    return namespaceOf == null ? null : namespaceOf.apply(keyCodec.decode(key));
  }
}
