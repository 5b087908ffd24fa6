package io.edgekv.replication.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.ReadTier;
import org.rocksdb.Status;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/** A shard's column families in one RocksDB database (the engine of every real node). */
final class RocksStore implements Store {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final WriteOptions writeOptions = new WriteOptions();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final List<String> names;
  private final RocksDB db;

  /**
   * Tables tuned for point reads: a 10-bit Bloom filter per table (a get of an absent key skips
   * the files that do not hold it), index and filter blocks held by the open table readers
   * instead of competing for the block cache (pinned for the table's life: the index of a
   * 100-byte-value table is a small fraction of it), and a hash index inside data blocks (a get
   * finds its key in a block without a binary search).
   */
  private static BlockBasedTableConfig pointReadTables(LRUCache cache) {
    return new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(new BloomFilter(10, false))
        .setCacheIndexAndFilterBlocks(false)
        .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash);
  }

  RocksStore(Path dir, StorageOptions options, List<String> families) {
    this.dir = dir;
    this.names = families;
    try {
      Files.createDirectories(dir);
      cache = new LRUCache(options.blockCacheBytes());
      dbOptions = new DBOptions()
          .setCreateIfMissing(true)
          .setCreateMissingColumnFamilies(true)
          .setMaxBackgroundJobs(options.maxBackgroundJobs())
          .setMaxOpenFiles(256)
          .setKeepLogFileNum(2);
      cfOptions = new ColumnFamilyOptions()
          .setWriteBufferSize(options.writeBufferBytes())
          .setTableFormatConfig(pointReadTables(cache));
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
      for (String family : families) {
        descriptors.add(new ColumnFamilyDescriptor(family.getBytes(StandardCharsets.UTF_8), cfOptions));
      }
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      throw StorageException.of("opening RocksDB at " + dir, e);
    } catch (IOException e) {
      throw new StorageException("cannot open RocksDB at " + dir, e);
    }
  }

  @Override
  public Family family(String name) {
    ColumnFamilyHandle handle = handles.get(names.indexOf(name) + 1);
    return new Family() {
      @Override
      public byte[] get(byte[] key) throws RocksDBException {
        return db.get(handle, key);
      }

      @Override
      public List<byte[]> getAll(List<byte[]> keys) throws RocksDBException {
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions options = new ReadOptions().setSnapshot(snapshot)) {
          List<byte[]> out = new ArrayList<>(keys.size());
          for (byte[] key : keys) {
            out.add(db.get(handle, options, key));
          }
          return out;
        } finally {
          db.releaseSnapshot(snapshot);
        }
      }

      @Override
      public List<byte[]> getAllInMemory(List<byte[]> keys) throws RocksDBException {
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions options = new ReadOptions().setSnapshot(snapshot).setReadTier(ReadTier.BLOCK_CACHE_TIER)) {
          List<byte[]> out = new ArrayList<>(keys.size());
          for (byte[] key : keys) {
            out.add(db.get(handle, options, key));
          }
          return out;
        } catch (RocksDBException e) {
          if (e.getStatus() != null && e.getStatus().getCode() == Status.Code.Incomplete) {
            return null;
          }
          throw e;
        } finally {
          db.releaseSnapshot(snapshot);
        }
      }

      @Override
      public void put(WriteBatch batch, byte[] key, byte[] value) throws RocksDBException {
        batch.put(handle, key, value);
      }

      @Override
      public void delete(WriteBatch batch, byte[] key) throws RocksDBException {
        batch.delete(handle, key);
      }

      @Override
      public void deleteRange(WriteBatch batch, byte[] from, byte[] to) throws RocksDBException {
        batch.deleteRange(handle, from, to);
      }

      @Override
      public void scan(byte[] from, BiPredicate<byte[], byte[]> visitor) throws RocksDBException {
        try (ReadOptions options = new ReadOptions(); RocksIterator it = db.newIterator(handle, options)) {
          if (from == null) {
            it.seekToFirst();
          } else {
            it.seek(from);
          }
          for (; it.isValid(); it.next()) {
            if (!visitor.test(it.key(), it.value())) {
              return;
            }
          }
          // An iterator turns invalid on a corrupt block as it does at the end of the data;
          // only its status tells them apart, so a caller never takes a partial scan for a whole one.
          it.status();
        }
      }
    };
  }

  @Override
  public void write(WriteBatch batch) {
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw StorageException.of("write batch in " + dir, e);
    }
  }

  @Override
  public void checkpoint(Path target) {
    try (Checkpoint checkpoint = Checkpoint.create(db)) {
      checkpoint.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw StorageException.of("checkpoint to " + target, e);
    }
  }

  @Override
  public void flush() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, handles);
    } catch (RocksDBException e) {
      throw StorageException.of("flush in " + dir, e);
    }
  }

  @Override
  public void verifyChecksums() {
    try {
      db.verifyChecksum();
    } catch (RocksDBException e) {
      throw StorageException.of("checksum verification in " + dir, e);
    }
  }

  @Override
  public void compact() {
    try {
      for (ColumnFamilyHandle handle : handles) {
        db.compactRange(handle);
      }
    } catch (RocksDBException e) {
      throw StorageException.of("compaction in " + dir, e);
    }
  }

  @Override
  public long longProperty(String name) {
    try {
      long total = 0;
      for (ColumnFamilyHandle handle : handles) {
        total += db.getLongProperty(handle, name);
      }
      return total;
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public long approximateSizeBytes() {
    try {
      return db.getLongProperty("rocksdb.total-sst-files-size")
          + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    for (ColumnFamilyHandle handle : handles) {
      handle.close();
    }
    db.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
    cache.close();
  }
}
