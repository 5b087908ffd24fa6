package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.Condition;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.IncrementRequest;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Builds the key-value requests of one client: each is scoped to the client's namespace and
 * carries the session token the options name, else the latest one the client received. Checks
 * its arguments first: a null key, value or options object throws {@link NullPointerException}.
 */
final class Requests {

  private final String namespace;
  private final Supplier<String> latestSessionToken;

  Requests(String namespace, Supplier<String> latestSessionToken) {
    this.namespace = namespace;
    this.latestSessionToken = latestSessionToken;
  }

  GetRequest get(ByteString key, ReadOptions options) {
    Objects.requireNonNull(options, "options");
    return GetRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(key)
        .setRead(Protos.readOptions(options, tokenFor(options.sessionToken().orElse(null))))
        .build();
  }

  /** The keys of a batch read, checked and copied. */
  static List<ByteString> keys(List<byte[]> keys) {
    Objects.requireNonNull(keys, "keys");
    List<ByteString> copied = new ArrayList<>(keys.size());
    for (byte[] key : keys) {
      copied.add(ByteString.copyFrom(Objects.requireNonNull(key, "keys must not contain null")));
    }
    return copied;
  }

  BatchGetRequest batchGet(List<ByteString> keys, ReadOptions options) {
    Objects.requireNonNull(options, "options");
    return BatchGetRequest.newBuilder()
        .setNamespace(namespace)
        .addAllKeys(keys)
        .setRead(Protos.readOptions(options, tokenFor(options.sessionToken().orElse(null))))
        .build();
  }

  PutRequest put(byte[] key, byte[] value, PutOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(options, "options");
    PutRequest.Builder request = PutRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setValue(ByteString.copyFrom(value))
        .putAllMetadata(options.metadata())
        .addAllTags(options.tags())
        .setRequestId(options.requestId().orElseGet(Requests::newRequestId));
    options.ttl().ifPresent(ttl -> request.setTtlMs(Protos.millis(ttl)));
    if (options.ifAbsent()) {
      request.setCondition(Condition.newBuilder().setIfAbsent(true));
    }
    options.ifVersion().ifPresent(v -> request.setCondition(Condition.newBuilder().setIfVersion(Protos.version(v))));
    attachSession(options.sessionToken().orElse(null), request::setSessionToken);
    return request.build();
  }

  DeleteRequest delete(byte[] key, DeleteOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    DeleteRequest.Builder request = DeleteRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setRequestId(options.requestId().orElseGet(Requests::newRequestId));
    options.ifVersion().ifPresent(v -> request.setCondition(Condition.newBuilder().setIfVersion(Protos.version(v))));
    attachSession(options.sessionToken().orElse(null), request::setSessionToken);
    return request.build();
  }

  ScanRequest scan(byte[] prefix, ScanOptions options) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(options, "options");
    ScanRequest.Builder request = ScanRequest.newBuilder()
        .setNamespace(namespace)
        .setPrefix(ByteString.copyFrom(prefix))
        .setLimit(options.limit())
        .setKeysOnly(options.keysOnly())
        .setRead(Protos.readOptions(options.read(), tokenFor(options.read().sessionToken().orElse(null))));
    options.continuationToken().ifPresent(request::setContinuationToken);
    return request.build();
  }

  TouchRequest touch(byte[] key, TouchOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    TouchRequest.Builder request = TouchRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setTtlMs(Protos.millis(options.ttl()))
        .setRequestId(options.requestId().orElseGet(Requests::newRequestId));
    attachSession(options.sessionToken().orElse(null), request::setSessionToken);
    return request.build();
  }

  IncrementRequest increment(byte[] key, long delta) {
    Objects.requireNonNull(key, "key");
    if (delta == 0) {
      throw new IllegalArgumentException("delta must not be 0");
    }
    IncrementRequest.Builder request = IncrementRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setDelta(delta)
        .setRequestId(newRequestId());
    attachSession(null, request::setSessionToken);
    return request.build();
  }

  TxnRequest txn(TxnRequest.Builder request, String explicitSessionToken) {
    request.setNamespace(namespace);
    attachSession(explicitSessionToken, request::setSessionToken);
    return request.build();
  }

  /** One id per logical write, shared by all its attempts, so a retry applies at most once. */
  private static String newRequestId() {
    return UUID.randomUUID().toString();
  }

  private void attachSession(String explicit, Consumer<String> setter) {
    String token = tokenFor(explicit);
    if (token != null) {
      setter.accept(token);
    }
  }

  private String tokenFor(String explicit) {
    return explicit != null ? explicit : latestSessionToken.get();
  }
}
