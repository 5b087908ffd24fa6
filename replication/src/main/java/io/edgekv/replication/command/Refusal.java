package io.edgekv.replication.command;

import io.edgekv.internal.v1.CommandFailed;

/**
 * Why a command cannot be applied: the gRPC code name the caller gets, the field at fault, the
 * limit it passed (empty if none) and a message naming both. Data, so that the leader's
 * preparation and every replica's apply decide alike.
 */
public record Refusal(String code, String field, String limit, String message) {
  public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
  public static final String OUT_OF_RANGE = "OUT_OF_RANGE";
  /** Apply met something it could not interpret (a bug, or a log written by another release). */
  public static final String INTERNAL = "INTERNAL";

  public static Refusal invalid(String field, String limit, String message) {
    return new Refusal(INVALID_ARGUMENT, field, limit, message);
  }

  public static Refusal outOfRange(String field, String limit, String message) {
    return new Refusal(OUT_OF_RANGE, field, limit, message);
  }

  public CommandFailed toProto() {
    return CommandFailed.newBuilder().setCode(code).setField(field).setLimit(limit).setMessage(message).build();
  }
}
