package io.edgekv.client;

import io.edgekv.api.ApiErrors;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A conditional write ({@link PutOptions.Builder#ifAbsent()}, {@link
 * PutOptions.Builder#ifVersion(Version)}, {@link DeleteOptions.Builder#ifVersion(Version)}, a
 * check of a {@link Txn}) whose condition did not hold, so nothing was written. Its code is
 * always {@code FAILED_PRECONDITION}; it is never retried.
 *
 * <p>{@link #key()} is the key whose condition failed (for a transaction, the first failing
 * check) and {@link #currentVersion()} the version that key had when the condition was checked,
 * or empty when it did not exist. The server reports them in the {@code "key"} and {@code
 * "currentVersion"} entries of the {@code google.rpc.ErrorInfo} metadata; either is empty when
 * the server did not say.
 */
public final class ConditionFailedException extends EdgeKvException {

  private static final long serialVersionUID = 1L;

  /** The {@code google.rpc.ErrorInfo} metadata key holding the current version. */
  public static final String CURRENT_VERSION_KEY = ApiErrors.CURRENT_VERSION;

  /** The {@code google.rpc.ErrorInfo} metadata key holding the key whose condition failed. */
  public static final String KEY_KEY = "key";

  @SuppressWarnings("serial") // an immutable record; the exception is not meant to be serialized
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

  /**
   * The key whose condition failed, as the server names it (UTF-8 text); empty if the server
   * did not say.
   */
  public Optional<String> key() {
    String key = errorMetadata().get(KEY_KEY);
    return key == null || key.isEmpty() ? Optional.empty() : Optional.of(key);
  }

  /** The key's version when the condition failed; empty if the key did not exist. */
  public Optional<Version> currentVersion() {
    return Optional.ofNullable(currentVersion);
  }
}
