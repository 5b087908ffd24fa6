package io.edgekv.replication.storage;

/**
 * A call reached a shard that has failed on this node (a storage error made its replica stop
 * applying or reading). The node stays up; {@code edgekv admin rebuild-shard --shard N}
 * reinstalls the shard from a healthy peer. {@link #corruption()} carries over from the cause.
 */
public final class ShardFailedException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final int shard;

  public ShardFailedException(int shard, String cause, boolean corruption, String file) {
    super("shard " + shard + " has failed on this node: " + cause + "; `edgekv admin rebuild-shard --shard " + shard
        + "` reinstalls it from a healthy peer", null, corruption, file);
    this.shard = shard;
  }

  public int shard() {
    return shard;
  }
}
