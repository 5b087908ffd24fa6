package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.Condition;
import io.edgekv.api.v1.TxnCheck;
import io.edgekv.api.v1.TxnDelete;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnPut;
import io.edgekv.api.v1.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * An atomic transaction: checks on keys, then puts and deletes that are applied all together if
 * every check holds, or not at all. Get one from {@link EdgeKvClient#txn()}:
 *
 * <pre>{@code
 * TxnResult r = client.txn()
 *     .ifVersion("balance/alice", seen)
 *     .ifAbsent("transfer/42")
 *     .put("balance/alice", "90")
 *     .put("transfer/42", "done", PutOptions.builder().ttl(Duration.ofDays(1)).build())
 *     .delete("pending/42")
 *     .commit();
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Every op of a committed transaction is written with one version, {@link
 *       TxnResult#version()}; readers see all of them or none.
 *   <li>A check that does not hold fails the commit with a {@link ConditionFailedException}
 *       naming the {@linkplain ConditionFailedException#key() key} and its current version;
 *       nothing is written. It is never retried.
 *   <li>All keys must live in one shard of the region (atomicity is per Raft group); the server
 *       refuses a transaction that spans shards with {@code INVALID_ARGUMENT}, as it does one with
 *       no op, too many ops, or values over the size limit.
 *   <li>A commit carries one request id on all its attempts (a random UUID unless {@link
 *       #requestId(String)} set one), so a retry after a lost acknowledgement is applied at most
 *       once, as for {@code put}.
 * </ul>
 *
 * <h2>Lifecycle</h2>
 *
 * The first {@link #commit()} or {@link #commitAsync()} freezes the transaction: adding to it
 * afterwards throws {@link IllegalStateException}. Committing it again sends the very same
 * request, with the same request id, so repeating a commit that ended in {@code UNAVAILABLE} or
 * {@code DEADLINE_EXCEEDED} is safe: the server applies the transaction at most once.
 *
 * <p>Not thread-safe: build and commit it on one thread. The result and its future are safe to
 * share.
 */
public final class Txn {

  private final EdgeKvClient client;
  private final TxnRequest.Builder request = TxnRequest.newBuilder();
  private final Set<ByteString> written = new HashSet<>();
  private String requestId;
  private String sessionToken;
  private TxnRequest frozen;

  Txn(EdgeKvClient client) {
    this.client = client;
  }

  /**
   * Adds a check: {@code key} (UTF-8) must not exist (or be deleted or expired).
   *
   * @see #ifAbsent(byte[])
   */
  public Txn ifAbsent(String key) {
    return ifAbsent(utf8(key, "key"));
  }

  /**
   * Adds a check: {@code key} must not exist (or be deleted or expired).
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalStateException if the transaction was already committed
   */
  public Txn ifAbsent(byte[] key) {
    ByteString k = bytes(key, "key");
    checkOpen();
    request.addChecks(TxnCheck.newBuilder().setKey(k).setCondition(Condition.newBuilder().setIfAbsent(true)));
    return this;
  }

  /**
   * Adds a check: {@code key} (UTF-8) must currently have version {@code version}.
   *
   * @see #ifVersion(byte[], Version)
   */
  public Txn ifVersion(String key, Version version) {
    return ifVersion(utf8(key, "key"), version);
  }

  /**
   * Adds a check: {@code key} must currently have version {@code version} (as returned by a
   * read or an earlier write).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the transaction was already committed
   */
  public Txn ifVersion(byte[] key, Version version) {
    ByteString k = bytes(key, "key");
    Objects.requireNonNull(version, "version");
    checkOpen();
    request.addChecks(TxnCheck.newBuilder().setKey(k)
        .setCondition(Condition.newBuilder().setIfVersion(Protos.version(version))));
    return this;
  }

  /**
   * Adds a put of {@code value} under {@code key}, both UTF-8, with no expiry, metadata or tags.
   *
   * @see #put(byte[], byte[], PutOptions)
   */
  public Txn put(String key, String value) {
    return put(utf8(key, "key"), utf8(value, "value"), PutOptions.defaults());
  }

  /**
   * Adds a put of {@code value} (UTF-8) under {@code key} (UTF-8).
   *
   * @see #put(byte[], byte[], PutOptions)
   */
  public Txn put(String key, String value, PutOptions options) {
    return put(utf8(key, "key"), utf8(value, "value"), options);
  }

  /**
   * Adds a put of {@code value} under {@code key} with no expiry, metadata or tags.
   *
   * @see #put(byte[], byte[], PutOptions)
   */
  public Txn put(byte[] key, byte[] value) {
    return put(key, value, PutOptions.defaults());
  }

  /**
   * Adds a put of {@code value} under {@code key}. Of the options, the time to live, metadata
   * and tags apply; conditions belong to the transaction's checks, and the request id and
   * session token to the transaction itself.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an earlier op of this transaction already writes {@code
   *     key}, or if {@code options} sets {@code ifAbsent}, {@code ifVersion}, {@code requestId}
   *     or {@code sessionToken} (the message names the option and what to use instead)
   * @throws IllegalStateException if the transaction was already committed
   */
  public Txn put(byte[] key, byte[] value, PutOptions options) {
    ByteString k = bytes(key, "key");
    ByteString v = bytes(value, "value");
    Objects.requireNonNull(options, "options");
    if (options.ifAbsent()) {
      throw new IllegalArgumentException("options.ifAbsent does not apply inside a transaction; use Txn.ifAbsent(key)");
    }
    if (options.ifVersion().isPresent()) {
      throw new IllegalArgumentException(
          "options.ifVersion does not apply inside a transaction; use Txn.ifVersion(key, version)");
    }
    if (options.requestId().isPresent()) {
      throw new IllegalArgumentException("options.requestId does not apply to one op; use Txn.requestId(id)");
    }
    if (options.sessionToken().isPresent()) {
      throw new IllegalArgumentException("options.sessionToken does not apply to one op; use Txn.sessionToken(token)");
    }
    checkOpen();
    claim(k);
    TxnPut.Builder put = TxnPut.newBuilder().setKey(k).setValue(v)
        .putAllMetadata(options.metadata()).addAllTags(options.tags());
    options.ttl().ifPresent(ttl -> put.setTtlMs(Protos.millis(ttl)));
    request.addOps(TxnOp.newBuilder().setPut(put));
    return this;
  }

  /**
   * Adds a delete of {@code key} (UTF-8).
   *
   * @see #delete(byte[])
   */
  public Txn delete(String key) {
    return delete(utf8(key, "key"));
  }

  /**
   * Adds a delete of {@code key} (a versioned tombstone; deleting a missing key is not an error).
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if an earlier op of this transaction already writes {@code key}
   * @throws IllegalStateException if the transaction was already committed
   */
  public Txn delete(byte[] key) {
    ByteString k = bytes(key, "key");
    checkOpen();
    claim(k);
    request.addOps(TxnOp.newBuilder().setDelete(TxnDelete.newBuilder().setKey(k)));
    return this;
  }

  /**
   * Sets the idempotency key of the transaction (default: a random UUID chosen at the first commit).
   *
   * @throws NullPointerException if null
   * @throws IllegalArgumentException if empty
   * @throws IllegalStateException if the transaction was already committed
   */
  public Txn requestId(String requestId) {
    Objects.requireNonNull(requestId, "requestId");
    if (requestId.isEmpty()) {
      throw new IllegalArgumentException("requestId must not be empty");
    }
    checkOpen();
    this.requestId = requestId;
    return this;
  }

  /**
   * Sets the session token to send instead of the client's own; null or empty clears it.
   *
   * @throws IllegalStateException if the transaction was already committed
   */
  public Txn sessionToken(String sessionToken) {
    checkOpen();
    this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
    return this;
  }

  /**
   * Commits the transaction and waits for the outcome.
   *
   * @return the version all its ops were written with
   * @throws ConditionFailedException if a check did not hold (nothing was written)
   * @throws EdgeKvException if the call fails otherwise: {@code INVALID_ARGUMENT} naming the
   *     field (e.g. {@code ops[2].put.key}) for a transaction the server refuses; {@code
   *     UNAVAILABLE} or {@code DEADLINE_EXCEEDED} when it may or may not have been applied, in
   *     which case committing this object again is safe
   */
  public TxnResult commit() {
    return EdgeKvClient.await(commitAsync());
  }

  /**
   * Asynchronous {@link #commit()}: the transaction is frozen when this method returns, and the
   * future completes with the result or exceptionally with an {@link EdgeKvException} (a
   * {@link ConditionFailedException} when a check failed).
   */
  public CompletableFuture<TxnResult> commitAsync() {
    if (frozen == null) {
      request.setRequestId(requestId != null ? requestId : UUID.randomUUID().toString());
      frozen = client.prepareTxn(request, sessionToken);
    }
    return client.commitTxn(frozen);
  }

  /** The number of ops (puts and deletes) added so far. */
  public int opCount() {
    return request.getOpsCount();
  }

  /** The number of checks added so far. */
  public int checkCount() {
    return request.getChecksCount();
  }

  @Override
  public String toString() {
    return "Txn{checks=" + request.getChecksCount() + ", ops=" + request.getOpsCount()
        + ", committed=" + (frozen != null) + "}";
  }

  private void claim(ByteString key) {
    if (!written.add(key)) {
      throw new IllegalArgumentException(
          "key '" + key.toStringUtf8() + "' is already written by an earlier op of this transaction");
    }
  }

  private void checkOpen() {
    if (frozen != null) {
      throw new IllegalStateException("the transaction was already committed; start a new one with client.txn()");
    }
  }

  private static ByteString bytes(byte[] b, String name) {
    return ByteString.copyFrom(Objects.requireNonNull(b, name));
  }

  private static byte[] utf8(String s, String name) {
    return Objects.requireNonNull(s, name).getBytes(StandardCharsets.UTF_8);
  }
}
