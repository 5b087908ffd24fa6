package io.edgekv.replication.raft;

/**
 * A membership or leadership operation that was refused or could not be done, or a call to a
 * node that is no longer a member of its region. The {@link Reason} says whose fault it is;
 * the node's error translator maps it to a status.
 */
public final class MembershipException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the operation did not happen. */
  public enum Reason {
    /** The named node is not a member (remove-node, transfer-leader of an unknown id). */
    UNKNOWN_MEMBER,
    /** The request contradicts the current members (an id with another address, an address of another id). */
    CONFLICT,
    /** Refused as unsafe or impossible in the current state (below three voters, no other member to lead). */
    REFUSED,
    /** Could not be done now (no leader, the new member did not catch up, timeout); retrying may help. */
    UNAVAILABLE,
    /** This node was removed from its region's Raft groups and serves no data. */
    REMOVED
  }

  private final Reason reason;
  private final String field;

  /**
   * @param field the request field the failure is about ({@code "id"}, {@code "node"}, {@code
   *     "shard"}), or empty
   */
  public MembershipException(Reason reason, String field, String message) {
    this(reason, field, message, null);
  }

  public MembershipException(Reason reason, String field, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.field = field;
  }

  public Reason reason() {
    return reason;
  }

  public String field() {
    return field;
  }
}
