package io.edgekv.client;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A failed EdgeKV call. Every error the client reports, synchronously or through a future, is
 * an instance of this class (or of {@link ConditionFailedException}).
 *
 * <p>It carries the gRPC status {@link #code()}, the server's {@link #description()}, and the
 * {@code google.rpc} details the server attached: the {@link #fieldViolations()} of a {@code
 * BadRequest} and the {@link #errorReason()}, {@link #errorDomain()} and {@link
 * #errorMetadata()} of an {@code ErrorInfo} (where the server puts the limit a request broke,
 * e.g. {@code "limit" -> "1048576"}). Errors that happen in the client itself use the same
 * codes: {@code DEADLINE_EXCEEDED} when the call's deadline passes, {@code CANCELLED} when
 * the waiting thread is interrupted or the client is closed.
 *
 * <p>The message is {@code "<CODE>: <description>"}. Instances are immutable.
 */
public class EdgeKvException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final String description;
  // Immutable copies; the exception is not meant to be serialized, but would serialize with them.
  @SuppressWarnings("serial")
  private final List<FieldViolation> fieldViolations;
  private final String errorReason;
  private final String errorDomain;
  @SuppressWarnings("serial")
  private final Map<String, String> errorMetadata;

  EdgeKvException(Status.Code code, String description, Throwable cause) {
    this(code, description, List.of(), null, null, Map.of(), cause);
  }

  EdgeKvException(
      Status.Code code,
      String description,
      List<FieldViolation> fieldViolations,
      String errorReason,
      String errorDomain,
      Map<String, String> errorMetadata,
      Throwable cause) {
    super(code.name() + ": " + description, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.description = Objects.requireNonNull(description, "description");
    this.fieldViolations = List.copyOf(fieldViolations);
    this.errorReason = errorReason;
    this.errorDomain = errorDomain;
    this.errorMetadata = Map.copyOf(errorMetadata);
  }

  /** The gRPC status code of the failure; never null. */
  public Status.Code code() {
    return code;
  }

  /** The human-readable description (the server's status message); never null. */
  public String description() {
    return description;
  }

  /** The invalid fields of a {@code google.rpc.BadRequest} detail; empty if there was none. */
  public List<FieldViolation> fieldViolations() {
    return fieldViolations;
  }

  /** The {@code reason} of a {@code google.rpc.ErrorInfo} detail, or null if there was none. */
  public String errorReason() {
    return errorReason;
  }

  /** The {@code domain} of a {@code google.rpc.ErrorInfo} detail, or null if there was none. */
  public String errorDomain() {
    return errorDomain;
  }

  /**
   * The {@code metadata} of a {@code google.rpc.ErrorInfo} detail (for example the {@code
   * "limit"} a request exceeded); empty if there was none. Unmodifiable.
   */
  public Map<String, String> errorMetadata() {
    return errorMetadata;
  }

  /**
   * Whether the failure is of a kind the client retries on another endpoint ({@code
   * UNAVAILABLE}, {@code DEADLINE_EXCEEDED}); when thrown to the caller such a failure has
   * already used up the call's retry budget.
   */
  public boolean isTransient() {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }
}
