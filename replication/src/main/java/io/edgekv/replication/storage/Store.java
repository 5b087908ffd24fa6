package io.edgekv.replication.storage;

import java.nio.file.Path;
import org.rocksdb.WriteBatch;

/** What holds a shard's column families: RocksDB on disk ({@link RocksStore}) or memory ({@link MemoryStore}). */
interface Store extends AutoCloseable {
  /** The column family named {@code name}, one of the engine's fixed list. */
  Family family(String name);

  /** Commits a batch atomically. */
  void write(WriteBatch batch);

  void checkpoint(Path target);

  void flush();

  void verifyChecksums();

  void compact();

  long longProperty(String name);

  long approximateSizeBytes();

  @Override
  void close();
}
