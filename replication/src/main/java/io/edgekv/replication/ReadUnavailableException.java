package io.edgekv.replication;

/**
 * A read that needs the region's quorum (a Raft read index: STRONG reads, and SESSION or BOUNDED
 * reads this replica cannot serve alone) could not get it by the deadline: no leader, no quorum,
 * or the node is shutting down. Nothing was read; the read may be retried elsewhere.
 */
public final class ReadUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReadUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
