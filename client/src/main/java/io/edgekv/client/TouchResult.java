package io.edgekv.client;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of a {@code touch}: whether the key was live, and if so the new version and
 * expiry it now has. A miss is not an error: {@link #found()} is false and nothing changed.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param found whether the key held a live entry (and now has the new time to live)
 * @param version the version the touch wrote (the same value under a new version), or null
 *     when not found
 * @param expiresAt when the entry now expires, or null when not found or when the server did
 *     not say (a later write had already replaced the touched version when it answered)
 * @param servedBy who served the touch
 * @param sessionToken the session token naming this write; empty if the server sent none
 */
public record TouchResult(boolean found, Version version, Instant expiresAt, ServedBy servedBy, String sessionToken) {

  /**
   * Creates a record.
   *
   * @throws NullPointerException if {@code servedBy} or {@code sessionToken} is null
   * @throws IllegalArgumentException if {@code found} is true and {@code version} is null
   */
  public TouchResult {
    Objects.requireNonNull(servedBy, "servedBy");
    Objects.requireNonNull(sessionToken, "sessionToken");
    if (found && version == null) {
      throw new IllegalArgumentException("version: a found touch has a version");
    }
  }
}
