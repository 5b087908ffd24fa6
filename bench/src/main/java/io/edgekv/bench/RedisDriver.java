package io.edgekv.bench;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Redis through Lettuce: one connection, asynchronous commands (pipelined on the connection). */
final class RedisDriver implements KvDriver {
  private static final int MSET_KEYS = 1000;

  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final RedisAsyncCommands<byte[], byte[]> commands;

  RedisDriver(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    client = RedisClient.create(RedisURI.create(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1))));
    client.setOptions(ClientOptions.builder()
        .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(10))).build());
    connection = client.connect(ByteArrayCodec.INSTANCE);
    commands = connection.async();
  }

  @Override
  public CompletableFuture<Boolean> getLocal(byte[] key) {
    return commands.get(key).toCompletableFuture().thenApply(v -> v != null);
  }

  @Override
  public CompletableFuture<Boolean> getLinearizable(byte[] key) {
    throw new UnsupportedOperationException("Redis is the anchor of local reads only");
  }

  @Override
  public CompletableFuture<Boolean> put(byte[] key, byte[] value) {
    return commands.set(key, value).toCompletableFuture().thenApply(ok -> true);
  }

  @Override
  public CompletableFuture<Boolean> putBatch(byte[][] keys, byte[] value) {
    Map<byte[], byte[]> entries = new LinkedHashMap<>();
    for (byte[] key : keys) {
      entries.put(key, value);
    }
    return commands.mset(entries).toCompletableFuture().thenApply(ok -> true);
  }

  @Override
  public int maxBatch() {
    return MSET_KEYS;
  }

  @Override
  public String errorName(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    return cause instanceof RedisCommandTimeoutException ? "DEADLINE_EXCEEDED" : cause.getClass().getSimpleName();
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
