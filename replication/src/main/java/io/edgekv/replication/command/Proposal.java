package io.edgekv.replication.command;

/**
 * One Raft log entry: a command plus what the leader fixes before appending it (its HLC stamp
 * and origin region), so that every replica applies identical bytes.
 *
 * @param requestId client idempotency key; empty means the command is not deduplicated
 * @param hlc 0 until the leader stamps it
 */
public record Proposal(String requestId, long hlc, String originRegion, Command command) {
  public Proposal stamped(long hlc, String originRegion, Command command) {
    return new Proposal(requestId, hlc, originRegion, command);
  }
}
