package io.edgekv.replication.storage;

/**
 * What a replica does to bytes before they rest on disk (DESIGN section 10): every value of every
 * RocksDB table (so checkpoints and snapshots too) and every Raft log entry goes through {@link
 * #seal} before it is written and {@link #open} after it is read. Keys stay as they are (they are
 * indexed). {@link #PLAINTEXT} stores bytes as given.
 *
 * <p>Entries are sealed per namespace ({@link #seal(String, byte[])}) under the namespace's data
 * key, which is replicated state of the shard ({@link DataKeyring}): a shard's engine holds the
 * view {@link #forShard} gives, which learns the shard's keys as apply registers them.
 */
public interface AtRest {
  /** A namespace's data key as the shard's state holds it: its id and the key wrapped by a master key. */
  record WrappedKey(byte[] id, byte[] wrapped) {}

  /** The bytes to store for {@code plain}. */
  byte[] seal(byte[] plain);

  /**
   * The plain bytes of {@code stored}.
   *
   * @throws StorageException when sealed bytes do not authenticate (tampered, or sealed with a key
   *     this node does not hold)
   */
  byte[] open(byte[] stored);

  /** The bytes to store for a value of {@code namespace}: under its data key when it has one. */
  default byte[] seal(String namespace, byte[] plain) {
    return seal(plain);
  }

  /** The view one shard's engine uses: the same keys, with that shard's current data key per namespace. */
  default AtRest forShard(int shard) {
    return this;
  }

  /** Whether writes of {@code namespace} should register a data key first (none is current). */
  default boolean needsDataKey(String namespace) {
    return false;
  }

  /** A new random data key for {@code namespace}, wrapped by the current master key. */
  default WrappedKey newDataKey(String namespace) {
    throw new UnsupportedOperationException("no data keys without encryption at rest");
  }

  /**
   * Takes in a data key of the shard's state (at engine open, and when apply registers one);
   * {@code current}: new writes of the namespace use it.
   *
   * @throws StorageException when no master key this node holds unwraps it
   */
  default void learnDataKey(String namespace, WrappedKey key, boolean current) {}

  /**
   * Whether {@code stored} (a value of {@code namespace}, or of a table of mixed namespaces when
   * null) rests under another key than the one {@link #seal} would use now: an older data key, an
   * older master key, or none (written before encryption was turned on). Background re-encryption
   * ({@link ReEncryption}) re-seals such records.
   */
  default boolean stale(String namespace, byte[] stored) {
    return false;
  }

  /**
   * {@code key} wrapped by the current master key when an older one wraps it (the same key and id,
   * so records sealed with it stay readable); null when it is already wrapped by the current one.
   */
  default WrappedKey rewrapped(String namespace, WrappedKey key) {
    return null;
  }

  /** Grows each time a namespace's current data key changes, so re-encryption knows it has work again. */
  default long generation() {
    return 0;
  }

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
