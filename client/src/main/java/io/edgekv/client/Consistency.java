package io.edgekv.client;

/**
 * The consistency a read asks for. Each level is served as DESIGN section 6 describes; the
 * level that actually served a read is reported in {@link ServedBy#consistency()}.
 */
public enum Consistency {
  /** Served from the local node's store; may be stale, never returns a value that was never written. */
  EVENTUAL,
  /**
   * Served once the node has applied what the session token names: read-your-writes and
   * monotonic reads across nodes for callers that pass the token along.
   */
  SESSION,
  /** Served locally when the node's lag is under {@link ReadOptions#maxStaleness()}, else forwarded. */
  BOUNDED,
  /** Linearizable within the region (Raft read index). */
  STRONG
}
