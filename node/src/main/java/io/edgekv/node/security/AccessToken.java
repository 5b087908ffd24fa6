package io.edgekv.node.security;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A verified client token: what it grants and until when.
 *
 * @param id the token's random id (hex), for the audit log: the token itself is never logged
 * @param subject who it was issued to
 * @param namespaces namespaces it may act on; {@code *} is every one
 */
public record AccessToken(String id, String keyId, String subject, List<String> namespaces, Set<Right> rights,
    Instant expiresAt) {
  public static final String ANY_NAMESPACE = "*";

  public AccessToken {
    namespaces = List.copyOf(namespaces);
    rights = rights.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(rights));
  }

  /** Whether the token grants {@code right} in {@code namespace}. */
  public boolean allows(Right right, String namespace) {
    return rights.contains(right) && (namespaces.contains(ANY_NAMESPACE) || namespaces.contains(namespace));
  }

  /** Whether the token grants {@code right} in at least one namespace. */
  public boolean allowsSomewhere(Right right) {
    return rights.contains(right) && !namespaces.isEmpty();
  }
}
