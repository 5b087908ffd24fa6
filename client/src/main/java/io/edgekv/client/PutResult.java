package io.edgekv.client;

import java.util.Objects;

/**
 * The acknowledgement of a write: it is durable on a majority of the region.
 *
 * @param version the version the write was stamped with; pass it to {@code ifVersion} for a
 *     compare-and-set
 * @param servedBy who served the write
 * @param sessionToken the session token naming this write; empty if the server sent none
 */
public record PutResult(Version version, ServedBy servedBy, String sessionToken) {

  /**
   * Creates a record.
   *
   * @throws NullPointerException if an argument is null
   */
  public PutResult {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(servedBy, "servedBy");
    Objects.requireNonNull(sessionToken, "sessionToken");
  }
}
