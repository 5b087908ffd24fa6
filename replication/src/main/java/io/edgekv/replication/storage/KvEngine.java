package io.edgekv.replication.storage;

import io.edgekv.internal.v1.AppliedPosition;
import io.edgekv.internal.v1.StoredEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * One shard's RocksDB: the entries, their indexes, the request-deduplication table and the
 * applied Raft position, each in its own column family.
 *
 * <p>Batches are written to the WAL without fsync: the Raft log is fsynced before an entry
 * commits, and the applied position travels in the same batch as the data, so after a crash
 * RocksDB is at some applied position p and Ratis replays everything after p.
 */
public final class KvEngine implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] APPLIED_KEY = "applied".getBytes(StandardCharsets.UTF_8);
  private static final List<String> FAMILIES = List.of("entries", "tag_index", "expiry_index", "requests",
      "requests_by_time", "raft_meta", "replog", "repl_meta", "purges", "changelog", "purge_receipts", "tombstone_index");

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final WriteOptions writeOptions = new WriteOptions();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final RocksDB db;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  /** Entries by (namespace, key); tombstones included. */
  public final Table<EntryKey, StoredEntry> entries;
  /** {@code namespace 0 tag 0 key} for every live entry carrying a tag. */
  public final Table<byte[], byte[]> tagIndex;
  /** {@code expiresAt(8, big-endian) entryKey} for every entry with an expiry. */
  public final Table<byte[], byte[]> expiryIndex;
  /** Request id to the result it produced, for at-most-once apply of retried commands. */
  public final Table<byte[], byte[]> requests;
  /** {@code appliedAtMillis(8) requestId}, to expire the deduplication records in order. */
  public final Table<byte[], byte[]> requestsByTime;
  private final Table<byte[], AppliedPosition> raftMeta;
  /** {@code originLength(1) origin seq(8)} to the {@code Mutation}: what this region can ship to others. */
  public final Table<byte[], byte[]> replog;
  /** {@code "vv/" origin} to the highest contiguous sequence applied from that origin (8 bytes). */
  public final Table<byte[], byte[]> replMeta;
  /** {@code namespace 0 type selector} to the newest purge {@code Version} for that selector. */
  public final Table<byte[], byte[]> purges;
  /** {@code index(8) ordinal(4)} to the {@code ChangeEvent}: the region's changelog for Watch resume. */
  public final Table<byte[], byte[]> changelog;
  /** Purge id to the {@code ChangeEvent} of the purge as this region applied it (a purge receipt). */
  public final Table<byte[], byte[]> purgeReceipts;
  /** {@code tombstoneMillis(8) entryKey} for every tombstone, oldest first, for garbage collection. */
  public final Table<byte[], byte[]> tombstoneIndex;

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

  public KvEngine(Path dir, StorageOptions options) {
    this.dir = dir;
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
      for (String family : FAMILIES) {
        descriptors.add(new ColumnFamilyDescriptor(family.getBytes(StandardCharsets.UTF_8), cfOptions));
      }
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      throw StorageException.of("opening RocksDB at " + dir, e);
    } catch (IOException e) {
      throw new StorageException("cannot open RocksDB at " + dir, e);
    }
    entries = new Table<>("entries", db, handles.get(1), EntryKey.CODEC, new ProtoCodec<>(StoredEntry.parser()));
    tagIndex = new Table<>("tag_index", db, handles.get(2), Codec.BYTES, Codec.BYTES);
    expiryIndex = new Table<>("expiry_index", db, handles.get(3), Codec.BYTES, Codec.BYTES);
    requests = new Table<>("requests", db, handles.get(4), Codec.BYTES, Codec.BYTES);
    requestsByTime = new Table<>("requests_by_time", db, handles.get(5), Codec.BYTES, Codec.BYTES);
    raftMeta = new Table<>("raft_meta", db, handles.get(6), Codec.BYTES, new ProtoCodec<>(AppliedPosition.parser()));
    replog = new Table<>("replog", db, handles.get(7), Codec.BYTES, Codec.BYTES);
    replMeta = new Table<>("repl_meta", db, handles.get(8), Codec.BYTES, Codec.BYTES);
    purges = new Table<>("purges", db, handles.get(9), Codec.BYTES, Codec.BYTES);
    changelog = new Table<>("changelog", db, handles.get(10), Codec.BYTES, Codec.BYTES);
    purgeReceipts = new Table<>("purge_receipts", db, handles.get(11), Codec.BYTES, Codec.BYTES);
    tombstoneIndex = new Table<>("tombstone_index", db, handles.get(12), Codec.BYTES, Codec.BYTES);
  }

  public Path dir() {
    return dir;
  }

  /** The last applied Raft position, or term 0 / index 0 for a new engine. */
  public AppliedPosition appliedPosition() {
    AppliedPosition position = raftMeta.get(APPLIED_KEY);
    return position == null ? AppliedPosition.newBuilder().setFormat(1).build() : position;
  }

  /** Adds the applied position to a batch, so that it commits with the data it covers. */
  public void setAppliedPosition(WriteBatch batch, long term, long index) {
    raftMeta.put(batch, APPLIED_KEY, AppliedPosition.newBuilder().setFormat(1).setTerm(term).setIndex(index).build());
  }

  public void write(WriteBatch batch) {
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw StorageException.of("write batch in " + dir, e);
    }
  }

  /** Writes a consistent, hard-linked copy of the database to {@code target} (which must not exist). */
  public void checkpoint(Path target) {
    try (Checkpoint checkpoint = Checkpoint.create(db)) {
      checkpoint.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw StorageException.of("checkpoint to " + target, e);
    }
  }

  /** Flushes memtables to SST files. */
  public void flush() {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, handles);
    } catch (RocksDBException e) {
      throw StorageException.of("flush in " + dir, e);
    }
  }

  /**
   * Reads every table file of the database and checks its block checksums (as a read would, but
   * for data nobody has read yet), so that damage is found before a request trips over it.
   *
   * @throws StorageException with {@link StorageException#corruption()} set for a damaged file
   */
  public void verifyChecksums() {
    try {
      db.verifyChecksum();
    } catch (RocksDBException e) {
      throw StorageException.of("checksum verification in " + dir, e);
    }
  }

  /** Compacts every column family fully (drops overwritten values and old tombstone layers). */
  public void compact() {
    try {
      for (ColumnFamilyHandle handle : handles) {
        db.compactRange(handle);
      }
    } catch (RocksDBException e) {
      throw StorageException.of("compaction in " + dir, e);
    }
  }

  /** A numeric RocksDB property of the default column family (e.g. {@code rocksdb.compaction-pending}); -1 if unknown. */
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

  /** Approximate size of the live data on disk, in bytes. */
  public long approximateSizeBytes() {
    try {
      return db.getLongProperty("rocksdb.total-sst-files-size")
          + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Closes RocksDB; later calls do nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
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
