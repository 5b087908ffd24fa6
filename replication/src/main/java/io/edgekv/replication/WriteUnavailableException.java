package io.edgekv.replication;

/** A write could not be committed by the region's Raft group (no leader, no quorum, timeout). */
public final class WriteUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public WriteUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
