package io.edgekv.replication.storage;

/**
 * RocksDB sizing for one shard's engine. Defaults are small because {@code edgekv dev} and the
 * tests run many nodes in one process on two cores (DESIGN.md section 12).
 *
 * @param blockCacheBytes LRU block cache shared by the engine's column families
 * @param writeBufferBytes memtable size per column family
 * @param maxBackgroundJobs flush and compaction threads
 */
public record StorageOptions(long blockCacheBytes, long writeBufferBytes, int maxBackgroundJobs) {
  public static final StorageOptions SMALL = new StorageOptions(8L << 20, 4L << 20, 2);

  public StorageOptions {
    if (blockCacheBytes < 1 << 20) {
      throw new IllegalArgumentException("storage.blockCacheBytes must be at least 1 MiB, was " + blockCacheBytes);
    }
    if (writeBufferBytes < 1 << 20) {
      throw new IllegalArgumentException("storage.writeBufferBytes must be at least 1 MiB, was " + writeBufferBytes);
    }
    if (maxBackgroundJobs < 1) {
      throw new IllegalArgumentException("storage.maxBackgroundJobs must be at least 1, was " + maxBackgroundJobs);
    }
  }
}
