package io.edgekv.node.cli;

import io.edgekv.api.ApiErrors;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.FieldViolation;
import io.grpc.Status;

/**
 * The exit codes of the {@code edgekv} command (DESIGN section 13), which operators' scripts
 * rely on, and the one-line error message that goes with a failed call.
 */
public final class ExitCodes {

  /** The command did what was asked. */
  public static final int OK = 0;
  /** A read found no live entry under the key. */
  public static final int NOT_FOUND = 1;
  /** The command line was wrong: unknown option, missing or malformed argument. */
  public static final int USAGE = 2;
  /** The server refused the request: the caller's fault or a failed condition. */
  public static final int REFUSED = 3;
  /** No server answered in time: unavailable, or the deadline passed. */
  public static final int UNAVAILABLE = 4;
  /** Any other failure: an internal error of the server or of the command. */
  public static final int INTERNAL = 5;

  private ExitCodes() {}

  /** The exit code for a call that failed with {@code code}. */
  public static int forStatus(Status.Code code) {
    return switch (code) {
      case OK -> OK;
      case NOT_FOUND -> NOT_FOUND;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, OUT_OF_RANGE, PERMISSION_DENIED,
          UNAUTHENTICATED, RESOURCE_EXHAUSTED -> REFUSED;
      case UNAVAILABLE, DEADLINE_EXCEEDED -> UNAVAILABLE;
      default -> INTERNAL;
    };
  }

  /**
   * The message of the error line for a failed call: the server's description, plus the
   * fields and limit of its details when the description does not already name them.
   */
  static String describe(EdgeKvException e) {
    StringBuilder message = new StringBuilder(e.description());
    for (FieldViolation v : e.fieldViolations()) {
      if (!e.description().contains(v.field())) {
        message.append(" (field ").append(v.field());
        if (!v.description().isEmpty() && !v.description().equals(e.description())) {
          message.append(": ").append(v.description());
        }
        message.append(')');
      }
    }
    String limit = e.errorMetadata().get(ApiErrors.LIMIT);
    if (limit != null && !limit.isEmpty() && !message.toString().contains(limit)) {
      message.append(" (limit ").append(limit).append(')');
    }
    return message.toString();
  }
}
