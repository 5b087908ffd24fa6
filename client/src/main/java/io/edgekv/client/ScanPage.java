package io.edgekv.client;

import java.util.List;
import java.util.Objects;

/**
 * One page of a prefix scan, in key order.
 *
 * @param entries the live entries of this page; unmodifiable
 * @param continuationToken the token to pass to {@link ScanOptions.Builder#continuationToken}
 *     for the next page, or null when this is the last page
 * @param servedBy who served the page
 * @param sessionToken the session token returned with the page; empty if the server sent none
 */
public record ScanPage(
    List<KvEntry> entries, String continuationToken, ServedBy servedBy, String sessionToken) {

  /**
   * Creates a record; an empty {@code continuationToken} is stored as null.
   *
   * @throws NullPointerException if {@code entries}, {@code servedBy} or {@code sessionToken}
   *     is null
   */
  public ScanPage {
    entries = List.copyOf(entries);
    continuationToken =
        continuationToken == null || continuationToken.isEmpty() ? null : continuationToken;
    Objects.requireNonNull(servedBy, "servedBy");
    Objects.requireNonNull(sessionToken, "sessionToken");
  }

  /** Whether another page follows. */
  public boolean hasMore() {
    return continuationToken != null;
  }
}
