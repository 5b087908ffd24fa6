package io.edgekv.node.api;

/**
 * A request field that breaks a limit. Reported as {@code INVALID_ARGUMENT} with a
 * {@code google.rpc.BadRequest} naming the field and an {@code ErrorInfo} carrying the limit.
 */
public final class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String limit;

  public InvalidInputException(String field, String limit, String message) {
    super(message);
    this.field = field;
    this.limit = limit;
  }

  public String field() {
    return field;
  }

  /** The limit that was broken, as text (e.g. "512"), or empty when the field is malformed rather than too big. */
  public String limit() {
    return limit;
  }
}
