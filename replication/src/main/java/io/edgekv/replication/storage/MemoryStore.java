package io.edgekv.replication.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.function.UnaryOperator;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A shard's column families in sorted maps on the heap, for the deterministic simulation (a
 * simulated PoP has no disk, and RocksDB's background threads would make a run unrepeatable).
 *
 * <p>The writer still fills a RocksDB {@link WriteBatch} (no database is needed for one), so the
 * applier, its save points and roll-backs run exactly as against RocksDB: each operation is put
 * in the batch's default family under a one-byte family number, and {@link #write} replays the
 * batch into the maps. Not thread-safe: the simulation runs on one thread.
 */
final class MemoryStore implements Store {
  private final List<String> names;
  private final List<NavigableMap<byte[], byte[]>> maps = new ArrayList<>();
  private final UnaryOperator<byte[]> share;

  /** @param share gives back the stored copy of a value (identical values held once across many stores), or the value */
  MemoryStore(List<String> families, UnaryOperator<byte[]> share) {
    this.names = families;
    this.share = share;
    for (int i = 0; i < families.size(); i++) {
      maps.add(new TreeMap<>(Arrays::compareUnsigned));
    }
  }

  private static byte[] tagged(int family, byte[] key) {
    byte[] out = new byte[key.length + 1];
    out[0] = (byte) family;
    System.arraycopy(key, 0, out, 1, key.length);
    return out;
  }

  @Override
  public Family family(String name) {
    int id = names.indexOf(name);
    if (id < 0) {
      throw new IllegalArgumentException("no column family " + name);
    }
    NavigableMap<byte[], byte[]> map = maps.get(id);
    return new Family() {
      @Override
      public byte[] get(byte[] key) {
        return map.get(key);
      }

      @Override
      public void put(WriteBatch batch, byte[] key, byte[] value) throws RocksDBException {
        batch.put(tagged(id, key), value);
      }

      @Override
      public void delete(WriteBatch batch, byte[] key) throws RocksDBException {
        batch.delete(tagged(id, key));
      }

      @Override
      public void deleteRange(WriteBatch batch, byte[] from, byte[] to) throws RocksDBException {
        batch.deleteRange(tagged(id, from), tagged(id, to));
      }

      @Override
      public void scan(byte[] from, BiPredicate<byte[], byte[]> visitor) {
        // A copy of the keys visited so far is not needed: visitors only read, and writes go to batches.
        for (Map.Entry<byte[], byte[]> e : (from == null ? map : map.tailMap(from, true)).entrySet()) {
          if (!visitor.test(e.getKey(), e.getValue())) {
            return;
          }
        }
      }
    };
  }

  @Override
  public void write(WriteBatch batch) {
    try (Replay replay = new Replay()) {
      batch.iterate(replay);
    } catch (RocksDBException e) {
      throw StorageException.of("replaying a write batch into memory", e);
    }
  }

  /** Applies a batch's operations, in order, to the maps. */
  private final class Replay extends WriteBatch.Handler {
    private NavigableMap<byte[], byte[]> map(byte[] tagged) {
      return maps.get(tagged[0]);
    }

    private static byte[] key(byte[] tagged) {
      return Arrays.copyOfRange(tagged, 1, tagged.length);
    }

    @Override
    public void put(byte[] key, byte[] value) {
      map(key).put(key(key), share.apply(value));
    }

    @Override
    public void delete(byte[] key) {
      map(key).remove(key(key));
    }

    @Override
    public void singleDelete(byte[] key) {
      delete(key);
    }

    @Override
    public void deleteRange(byte[] from, byte[] to) {
      map(from).subMap(key(from), true, key(to), false).clear();
    }

    @Override
    public void put(int family, byte[] key, byte[] value) {
      defaultFamily(family);
      put(key, value);
    }

    @Override
    public void merge(int family, byte[] key, byte[] value) {
      throw unexpected();
    }

    @Override
    public void merge(byte[] key, byte[] value) {
      throw unexpected();
    }

    @Override
    public void delete(int family, byte[] key) {
      defaultFamily(family);
      delete(key);
    }

    @Override
    public void singleDelete(int family, byte[] key) {
      defaultFamily(family);
      delete(key);
    }

    @Override
    public void deleteRange(int family, byte[] from, byte[] to) {
      defaultFamily(family);
      deleteRange(from, to);
    }

    /** JNI may report the default family by number; any other was never written. */
    private static void defaultFamily(int family) {
      if (family != 0) {
        throw unexpected();
      }
    }

    @Override
    public void logData(byte[] blob) {
    }

    @Override
    public void putBlobIndex(int family, byte[] key, byte[] value) {
      throw unexpected();
    }

    @Override
    public void markBeginPrepare() {
    }

    @Override
    public void markEndPrepare(byte[] xid) {
    }

    @Override
    public void markNoop(boolean emptyBatch) {
    }

    @Override
    public void markRollback(byte[] xid) {
    }

    @Override
    public void markCommit(byte[] xid) {
    }

    @Override
    public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
    }

    private static IllegalStateException unexpected() {
      return new IllegalStateException("an in-memory store's batch holds only tagged default-family operations");
    }
  }

  @Override
  public void checkpoint(Path target) {
    throw new StorageException("an in-memory store has no files to checkpoint to " + target, null);
  }

  /** Nothing to flush: every write is already in the maps. */
  @Override
  public void flush() {
  }

  /** No files, hence no block checksums to verify. */
  @Override
  public void verifyChecksums() {
  }

  /** Deleted entries leave the maps at once; there is nothing to compact. */
  @Override
  public void compact() {
  }

  @Override
  public long longProperty(String name) {
    return -1;
  }

  @Override
  public long approximateSizeBytes() {
    long total = 0;
    for (NavigableMap<byte[], byte[]> map : maps) {
      for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
        total += e.getKey().length + e.getValue().length;
      }
    }
    return total;
  }

  @Override
  public void close() {
    maps.forEach(Map::clear);
  }
}
