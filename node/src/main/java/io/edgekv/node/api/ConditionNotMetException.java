package io.edgekv.node.api;

import io.edgekv.replication.Version;

/** A conditional write whose condition did not hold; nothing was changed. */
public final class ConditionNotMetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;
  // Exceptions here are never serialized (they become gRPC statuses); the value is immutable.
  @SuppressWarnings("serial")
  private final Version current;

  /** @param current the key's current version, or null when the key does not exist */
  public ConditionNotMetException(String message, String key, Version current) {
    super(message);
    this.key = key;
    this.current = current;
  }

  public String key() {
    return key;
  }

  public Version current() {
    return current;
  }
}
