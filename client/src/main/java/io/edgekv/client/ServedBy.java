package io.edgekv.client;

import java.util.Objects;

/**
 * Who answered a call and which point of the region's history the answer reflects.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param node the id of the node that served the call; empty if the server did not say
 * @param region the region of that node; empty if the server did not say
 * @param consistency the consistency the call was served at; {@link Consistency#EVENTUAL} when
 *     the server left it unspecified, and for writes
 * @param appliedIndex the region group's applied Raft index the answer reflects (its "as of" point)
 * @param asOfHlc the serving node's hybrid logical clock when it served the call
 */
public record ServedBy(
    String node, String region, Consistency consistency, long appliedIndex, long asOfHlc) {

  /**
   * Creates a record.
   *
   * @throws NullPointerException if any reference argument is null
   */
  public ServedBy {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(consistency, "consistency");
  }
}
