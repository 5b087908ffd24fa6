package io.edgekv.replication.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * One column family of a shard's store, as {@link Table} sees it: point reads and ordered scans
 * of what is committed, and writes that only go into a {@link WriteBatch} (so that every change
 * of one applied command commits atomically, whichever engine holds the data).
 */
interface Family {
  byte[] get(byte[] key) throws RocksDBException;

  /**
   * Point reads of several keys from one consistent view: a batch written meanwhile is seen by
   * all of them or by none. The default reads one by one, which is consistent only where nothing
   * writes concurrently (the single-threaded in-memory store).
   */
  default List<byte[]> getAll(List<byte[]> keys) throws RocksDBException {
    List<byte[]> out = new ArrayList<>(keys.size());
    for (byte[] key : keys) {
      out.add(get(key));
    }
    return out;
  }

  /**
   * {@link #getAll}, served from memory only (RocksDB: memtables and block cache, no file read):
   * null when a key needs the disk (then the caller reads where it may wait). The default is
   * {@link #getAll}, for stores that hold everything in memory.
   */
  default List<byte[]> getAllInMemory(List<byte[]> keys) throws RocksDBException {
    return getAll(keys);
  }

  void put(WriteBatch batch, byte[] key, byte[] value) throws RocksDBException;

  void delete(WriteBatch batch, byte[] key) throws RocksDBException;

  /** Deletes the keys in {@code [from, to)}. */
  void deleteRange(WriteBatch batch, byte[] from, byte[] to) throws RocksDBException;

  /** Visits raw entries in unsigned key order from {@code from} (null: the first) until the visitor returns false. */
  void scan(byte[] from, BiPredicate<byte[], byte[]> visitor) throws RocksDBException;
}
