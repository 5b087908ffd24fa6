package io.edgekv.replication;

/**
 * The shard leader refused to append a proposal (its preparation found it invalid); nothing was
 * changed and a retry would be refused again.
 */
public final class ProposalRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProposalRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
