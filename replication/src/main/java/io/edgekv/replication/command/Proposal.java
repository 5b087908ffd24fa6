package io.edgekv.replication.command;

/**
 * One Raft log entry: a command plus what the leader fixes before appending it (its HLC stamp
 * and origin region), so that every replica applies identical bytes.
 *
 * @param requestId client idempotency key; empty means the command is not deduplicated
 * @param hlc 0 until the leader stamps it
 */
public record Proposal(String requestId, long hlc, String originRegion, Command command) {
  /** A command to propose, deduplicated by {@code requestId} (empty: not deduplicated); the leader stamps it. */
  public static Proposal of(String requestId, Command command) {
    return new Proposal(requestId, 0, "", command);
  }

  /**
   * A command to propose without a request id: for commands whose apply is idempotent by itself
   * (remote batches, repairs, expiry, tombstone collection); the leader stamps it.
   */
  public static Proposal unkeyed(Command command) {
    return of("", command);
  }

  public Proposal stamped(long hlc, String originRegion, Command command) {
    return new Proposal(requestId, hlc, originRegion, command);
  }
}
