package io.edgekv.client;

import java.util.Objects;

/**
 * The acknowledgement of a committed transaction: every check held and every op is durable on a
 * majority of the region, atomically.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param version the version every put and delete of the transaction was written with; pass it
 *     to {@code ifVersion} for a later compare-and-set on any of its keys
 * @param servedBy who served the transaction
 * @param sessionToken the session token naming this write; empty if the server sent none
 */
public record TxnResult(Version version, ServedBy servedBy, String sessionToken) {

  /**
   * Creates a record.
   *
   * @throws NullPointerException if an argument is null
   */
  public TxnResult {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(servedBy, "servedBy");
    Objects.requireNonNull(sessionToken, "sessionToken");
  }
}
