package io.edgekv.replication.storage;

import java.util.function.BiPredicate;
import org.rocksdb.ColumnFamilyHandle;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.Snapshot;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * A typed view of one column family. Reads go straight to RocksDB; writes only go into a
 * {@link WriteBatch}, so that every change of one applied command commits atomically.
 */
public final class Table<K, V> {
  private final String name;
  private final RocksDB db;
  private final ColumnFamilyHandle handle;
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;

  Table(String name, RocksDB db, ColumnFamilyHandle handle, Codec<K> keyCodec, Codec<V> valueCodec) {
    this.name = name;
    this.db = db;
    this.handle = handle;
    this.keyCodec = keyCodec;
    this.valueCodec = valueCodec;
  }

  public String name() {
    return name;
  }

  public V get(K key) {
    try {
      byte[] bytes = db.get(handle, keyCodec.encode(key));
      return bytes == null ? null : valueCodec.decode(bytes);
    } catch (RocksDBException e) {
      throw StorageException.of("read from " + name, e);
    }
  }

  /**
   * Reads {@code keys} from one RocksDB snapshot: an atomic batch applied meanwhile is seen by
   * all of them or by none (a read-only transaction, BatchGet, relies on it).
   *
   * @return the values in key order, null where a key is absent
   */
  public List<V> getAll(List<K> keys) {
    Snapshot snapshot = db.getSnapshot();
    try (ReadOptions options = new ReadOptions().setSnapshot(snapshot)) {
      List<V> out = new ArrayList<>(keys.size());
      for (K key : keys) {
        byte[] bytes = db.get(handle, options, keyCodec.encode(key));
        out.add(bytes == null ? null : valueCodec.decode(bytes));
      }
      return out;
    } catch (RocksDBException e) {
      throw StorageException.of("read from " + name, e);
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  public void put(WriteBatch batch, K key, V value) {
    try {
      batch.put(handle, keyCodec.encode(key), valueCodec.encode(value));
    } catch (RocksDBException e) {
      throw StorageException.of("batch put into " + name, e);
    }
  }

  public void delete(WriteBatch batch, K key) {
    try {
      batch.delete(handle, keyCodec.encode(key));
    } catch (RocksDBException e) {
      throw StorageException.of("batch delete from " + name, e);
    }
  }

  /** Deletes keys in {@code [from, to)} in a batch. */
  public void deleteRange(WriteBatch batch, K from, K to) {
    try {
      batch.deleteRange(handle, keyCodec.encode(from), keyCodec.encode(to));
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
    try (ReadOptions options = new ReadOptions(); RocksIterator it = db.newIterator(handle, options)) {
      if (from == null) {
        it.seekToFirst();
      } else {
        it.seek(keyCodec.encode(from));
      }
      for (; it.isValid(); it.next()) {
        if (!visitor.test(keyCodec.decode(it.key()), valueCodec.decode(it.value()))) {
          return;
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw StorageException.of("scan of " + name, e);
    }
  }

  ColumnFamilyHandle handle() {
    return handle;
  }
}
