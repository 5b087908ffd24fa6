package io.edgekv.replication.storage;

/**
 * A read that may only be served from memory (RocksDB's memtables and block cache) needed the
 * disk: the caller retries it where it may wait. Thrown without a stack trace (an expected,
 * cheap outcome).
 */
public final class NotInMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotInMemoryException(String table) {
    super("a read of " + table + " needs the disk", null, false, false);
  }
}
