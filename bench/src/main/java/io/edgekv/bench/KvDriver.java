package io.edgekv.bench;

import java.util.concurrent.CompletableFuture;

/**
 * One system's client as the load generator drives it: asynchronous calls over one connection,
 * each completing with whether the key was found (reads) or {@code true} (writes), or
 * exceptionally. Implementations are thread-safe: completions of one call issue the next.
 */
interface KvDriver extends AutoCloseable {

  /** An EVENTUAL (EdgeKV) or plain (Redis) get of {@code key}. */
  CompletableFuture<Boolean> getLocal(byte[] key);

  /** A linearizable get of {@code key}. */
  CompletableFuture<Boolean> getLinearizable(byte[] key);

  /** A durable put of {@code value} under {@code key}. */
  CompletableFuture<Boolean> put(byte[] key, byte[] value);

  /** Writes {@code value} under every key of {@code keys} in the system's batched way. */
  CompletableFuture<Boolean> putBatch(byte[][] keys, byte[] value);

  /** The most keys {@link #putBatch} takes at once. */
  int maxBatch();

  /**
   * The name a failure is counted under: a gRPC status code name where the system answers with
   * one ({@code RESOURCE_EXHAUSTED}, {@code DEADLINE_EXCEEDED}, ...), else the error's kind.
   */
  String errorName(Throwable failure);

  @Override
  void close();
}
