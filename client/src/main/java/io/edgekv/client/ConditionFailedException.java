package io.edgekv.client;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A conditional write ({@link PutOptions.Builder#ifAbsent()}, {@link
 * PutOptions.Builder#ifVersion(Version)}, {@link DeleteOptions.Builder#ifVersion(Version)})
 * whose condition did not hold, so nothing was written. Its code is always {@code
 * FAILED_PRECONDITION}; it is never retried.
 *
 * <p>{@link #currentVersion()} is the version the key had when the condition was checked, or
 * empty when the key did not exist (or the server did not say). The server reports it in the
 * {@code "currentVersion"} entry of the {@code google.rpc.ErrorInfo} metadata.
 */
public final class ConditionFailedException extends EdgeKvException {

  private static final long serialVersionUID = 1L;

  /** The {@code google.rpc.ErrorInfo} metadata key holding the current version. */
  public static final String CURRENT_VERSION_KEY = "currentVersion";

  private final Version currentVersion;

  ConditionFailedException(
      String description,
      List<FieldViolation> fieldViolations,
      String errorReason,
      String errorDomain,
      Map<String, String> errorMetadata,
      Version currentVersion,
      Throwable cause) {
    super(
        Status.Code.FAILED_PRECONDITION,
        description,
        fieldViolations,
        errorReason,
        errorDomain,
        errorMetadata,
        cause);
    this.currentVersion = currentVersion;
  }

  /** The key's version when the condition failed; empty if the key did not exist. */
  public Optional<Version> currentVersion() {
    return Optional.ofNullable(currentVersion);
  }
}
