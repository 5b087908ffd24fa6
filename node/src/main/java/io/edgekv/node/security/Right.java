package io.edgekv.node.security;

import java.util.Locale;

/** What a client token may do in its namespaces (DESIGN section 10). */
public enum Right {
  /** Get, BatchGet, Scan. */
  READ,
  /** Put, Delete, Touch, Increment, Txn, Publish. */
  WRITE,
  /** Purge and purge status. */
  PURGE,
  /** Watch streams. */
  WATCH,
  /** The admin API (drain, membership, status, ...), whatever the namespace. */
  ADMIN;

  /** The right named {@code name} (case-insensitive). */
  public static Right parse(String name) {
    try {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown right '" + name + "': expected read, write, purge, watch or admin");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
