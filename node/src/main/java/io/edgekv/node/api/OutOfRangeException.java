package io.edgekv.node.api;

/**
 * A request that would take a number past its range: an increment that would overflow a
 * counter, or a read of a counter whose merged total is outside the signed 64-bit range.
 * Reported as {@code OUT_OF_RANGE} with a {@code google.rpc.BadRequest} naming the field and an
 * {@code ErrorInfo} carrying the limit.
 */
public final class OutOfRangeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String limit;

  public OutOfRangeException(String field, String limit, String message) {
    super(message);
    this.field = field;
    this.limit = limit;
  }

  public String field() {
    return field;
  }

  /** The bound that would be passed, as text (e.g. "9223372036854775807"). */
  public String limit() {
    return limit;
  }
}
