package io.edgekv.node.api;

import io.edgekv.replication.Version;

/** A conditional write whose condition did not hold; nothing was changed. */
public final class ConditionNotMetException extends RuntimeException {
  private final Version current;

  /** @param current the key's current version, or null when the key does not exist */
  public ConditionNotMetException(String message, Version current) {
    super(message);
    this.current = current;
  }

  public Version current() {
    return current;
  }
}
