package io.edgekv.replication;

/** A write could not be committed by the region's Raft group (no leader, no quorum, timeout). */
public final class WriteUnavailableException extends RuntimeException {
  public WriteUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
