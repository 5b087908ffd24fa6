package io.edgekv.replication.raft;

/**
 * {@code admin rebuild-shard} was refused because the shard could not be copied safely from
 * elsewhere: no other member, no leader among the other members, or no quorum without this node.
 * Nothing was changed (or the shard was put back as it was).
 */
public final class ShardRebuildRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ShardRebuildRefusedException(String message) {
    super(message);
  }
}
