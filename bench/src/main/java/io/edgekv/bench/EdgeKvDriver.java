package io.edgekv.bench;

import io.edgekv.client.CoalescingReader;
import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.PutOptions;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.Txn;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * EdgeKV through its Java client, as an application would use it: one channel to one node, no
 * near cache, the client's own failover and retry policy, and callbacks on the network thread
 * (a direct executor: the loop's next call is issued there, as Lettuce does on its event loop).
 * Gets are coalesced into BatchGet calls when many are in flight, unless turned off.
 */
final class EdgeKvDriver implements KvDriver {
  private static final ReadOptions EVENTUAL = ReadOptions.of(Consistency.EVENTUAL);
  private static final ReadOptions STRONG = ReadOptions.of(Consistency.STRONG);
  /** The server's limit of ops in one transaction. */
  private static final int TXN_OPS = 64;

  private final EdgeKvClient client;
  private final CoalescingReader eventual;
  private final CoalescingReader strong;

  /**
   * @param coalesce whether concurrent gets go through a {@link CoalescingReader} (BatchGet when
   *     many are in flight) rather than one call each
   */
  EdgeKvDriver(String endpoint, boolean coalesce) {
    client = EdgeKvClient.builder().endpoint(endpoint).namespace("bench").deadline(Duration.ofSeconds(10))
        .executor(Runnable::run).build();
    eventual = coalesce ? CoalescingReader.of(client, EVENTUAL) : null;
    strong = coalesce ? CoalescingReader.of(client, STRONG) : null;
  }

  @Override
  public CompletableFuture<Boolean> getLocal(byte[] key) {
    return (eventual != null ? eventual.get(key) : client.getAsync(key, EVENTUAL)).thenApply(r -> r.found());
  }

  @Override
  public CompletableFuture<Boolean> getLinearizable(byte[] key) {
    return (strong != null ? strong.get(key) : client.getAsync(key, STRONG)).thenApply(r -> r.found());
  }

  @Override
  public CompletableFuture<Boolean> put(byte[] key, byte[] value) {
    return client.putAsync(key, value, PutOptions.defaults()).thenApply(r -> true);
  }

  @Override
  public CompletableFuture<Boolean> putBatch(byte[][] keys, byte[] value) {
    Txn txn = client.txn();
    for (byte[] key : keys) {
      txn.put(key, value);
    }
    return txn.commitAsync().thenApply(r -> true);
  }

  @Override
  public int maxBatch() {
    return TXN_OPS;
  }

  @Override
  public String errorName(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    return cause instanceof EdgeKvException e ? e.code().name() : cause.getClass().getSimpleName();
  }

  @Override
  public void close() {
    client.close();
  }
}
