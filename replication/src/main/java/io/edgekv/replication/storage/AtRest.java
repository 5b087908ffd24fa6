package io.edgekv.replication.storage;

/**
 * What a replica does to bytes before they rest on disk (DESIGN section 10): every value of every
 * RocksDB table (so checkpoints and snapshots too) and every Raft log entry goes through {@link
 * #seal} before it is written and {@link #open} after it is read. Keys stay as they are (they are
 * indexed). {@link #PLAINTEXT} stores bytes as given.
 */
public interface AtRest {
  /** The bytes to store for {@code plain}. */
  byte[] seal(byte[] plain);

  /**
   * The plain bytes of {@code stored}.
   *
   * @throws StorageException when sealed bytes do not authenticate (tampered, or sealed with a key
   *     this node does not hold)
   */
  byte[] open(byte[] stored);

  AtRest PLAINTEXT = new AtRest() {
    @Override
    public byte[] seal(byte[] plain) {
      return plain;
    }

    @Override
    public byte[] open(byte[] stored) {
      return stored;
    }
  };
}
