package io.edgekv.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd through jetcd: one client on one member, linearizable gets (etcd's default) and puts
 * (committed by the Raft majority, each member fsyncing its log).
 */
final class EtcdDriver implements KvDriver {
  /** etcd's default --max-txn-ops. */
  private static final int TXN_OPS = 128;
  private static final long TIMEOUT_SECONDS = 10;

  private final Client client;
  private final KV kv;

  EtcdDriver(String endpoint) {
    client = Client.builder().endpoints("http://" + endpoint).build();
    kv = client.getKVClient();
  }

  @Override
  public CompletableFuture<Boolean> getLocal(byte[] key) {
    return get(key, GetOption.builder().withSerializable(true).build());
  }

  @Override
  public CompletableFuture<Boolean> getLinearizable(byte[] key) {
    return get(key, GetOption.DEFAULT);
  }

  private CompletableFuture<Boolean> get(byte[] key, GetOption option) {
    return kv.get(ByteSequence.from(key), option).orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .thenApply(r -> r.getCount() > 0);
  }

  @Override
  public CompletableFuture<Boolean> put(byte[] key, byte[] value) {
    return kv.put(ByteSequence.from(key), ByteSequence.from(value)).orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .thenApply(r -> true);
  }

  @Override
  public CompletableFuture<Boolean> putBatch(byte[][] keys, byte[] value) {
    Op[] puts = new Op[keys.length];
    ByteSequence v = ByteSequence.from(value);
    for (int i = 0; i < keys.length; i++) {
      puts[i] = Op.put(ByteSequence.from(keys[i]), v, PutOption.DEFAULT);
    }
    return kv.txn().Then(puts).commit().orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).thenApply(r -> true);
  }

  @Override
  public int maxBatch() {
    return TXN_OPS;
  }

  @Override
  public String errorName(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof EtcdException e) {
      return e.getErrorCode().name();
    }
    return cause instanceof TimeoutException ? "DEADLINE_EXCEEDED" : cause.getClass().getSimpleName();
  }

  @Override
  public void close() {
    client.close();
  }
}
