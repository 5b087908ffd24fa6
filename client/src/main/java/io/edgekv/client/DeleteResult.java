package io.edgekv.client;

import java.util.Objects;

/**
 * The acknowledgement of a delete: its tombstone is durable on a majority of the region.
 *
 * @param existed whether the key held a live entry before the delete
 * @param version the tombstone's version, or null if the server wrote none
 * @param servedBy who served the delete
 * @param sessionToken the session token naming this delete; empty if the server sent none
 */
public record DeleteResult(boolean existed, Version version, ServedBy servedBy, String sessionToken) {

  /**
   * Creates a record.
   *
   * @throws NullPointerException if {@code servedBy} or {@code sessionToken} is null
   */
  public DeleteResult {
    Objects.requireNonNull(servedBy, "servedBy");
    Objects.requireNonNull(sessionToken, "sessionToken");
  }
}
