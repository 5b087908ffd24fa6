package io.edgekv.replication.storage;

/** A RocksDB failure. In apply it stops the node: a replica that skipped an entry is worse than a dead one. */
public final class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
