package io.edgekv.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.KeyResult;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.ServedBy;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A single-node, in-memory KvService for client tests: it records every request, and can be
 * told to fail the next calls, fail every call, or never answer.
 */
final class FakeKvService extends KvServiceGrpc.KvServiceImplBase {

  final String node;
  final List<Message> requests = new CopyOnWriteArrayList<>();
  final Queue<StatusRuntimeException> nextFailures = new ConcurrentLinkedQueue<>();
  volatile Supplier<StatusRuntimeException> alwaysFail;
  volatile boolean hang;

  private final NavigableMap<ByteString, Entry> store =
      new ConcurrentSkipListMap<>(ByteString.unsignedLexicographicalComparator());
  private final AtomicLong hlc = new AtomicLong(1000);
  private final AtomicLong tokens = new AtomicLong();

  FakeKvService(String node) {
    this.node = node;
  }

  <T extends Message> List<T> requestsOf(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    Entry e = store.get(request.getKey());
    GetResponse.Builder r = GetResponse.newBuilder().setServedBy(servedBy()).setSessionToken(nextToken());
    if (e != null) {
      r.setFound(true).setEntry(e);
    }
    reply(out, r.build());
  }

  @Override
  public void batchGet(BatchGetRequest request, StreamObserver<BatchGetResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    BatchGetResponse.Builder r = BatchGetResponse.newBuilder().setServedBy(servedBy()).setSessionToken(nextToken());
    for (ByteString k : request.getKeysList()) {
      Entry e = store.get(k);
      KeyResult.Builder kr = KeyResult.newBuilder().setKey(k);
      if (e != null) {
        kr.setFound(true).setEntry(e);
      }
      r.addResults(kr);
    }
    reply(out, r.build());
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    io.edgekv.api.v1.Version v = io.edgekv.api.v1.Version.newBuilder()
        .setHlc(hlc.incrementAndGet()).setOriginRegion("test-region").build();
    store.put(request.getKey(), Entry.newBuilder()
        .setKey(request.getKey()).setValue(request.getValue()).setVersion(v)
        .putAllMetadata(request.getMetadataMap()).addAllTags(request.getTagsList()).build());
    reply(out, PutResponse.newBuilder().setVersion(v).setServedBy(servedBy()).setSessionToken(nextToken()).build());
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    boolean existed = store.remove(request.getKey()) != null;
    io.edgekv.api.v1.Version v = io.edgekv.api.v1.Version.newBuilder()
        .setHlc(hlc.incrementAndGet()).setOriginRegion("test-region").build();
    reply(out, DeleteResponse.newBuilder().setExisted(existed).setVersion(v)
        .setServedBy(servedBy()).setSessionToken(nextToken()).build());
  }

  @Override
  public void scan(ScanRequest request, StreamObserver<ScanResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    ByteString from = request.getContinuationToken().isEmpty()
        ? request.getPrefix()
        : ByteString.copyFrom(HexFormat.of().parseHex(request.getContinuationToken()));
    int limit = request.getLimit() == 0 ? 100 : request.getLimit();
    ScanResponse.Builder r = ScanResponse.newBuilder().setServedBy(servedBy()).setSessionToken(nextToken());
    for (Map.Entry<ByteString, Entry> e : store.tailMap(from, true).entrySet()) {
      if (!e.getKey().startsWith(request.getPrefix())) {
        break;
      }
      if (r.getEntriesCount() == limit) {
        r.setContinuationToken(HexFormat.of().formatHex(e.getKey().toByteArray()));
        break;
      }
      r.addEntries(request.getKeysOnly() ? e.getValue().toBuilder().clearValue().build() : e.getValue());
    }
    reply(out, r.build());
  }

  private boolean intercept(Message request, StreamObserver<?> out) {
    requests.add(request);
    if (hang) {
      return true;
    }
    StatusRuntimeException failure = nextFailures.poll();
    Supplier<StatusRuntimeException> always = alwaysFail;
    if (failure == null && always != null) {
      failure = always.get();
    }
    if (failure != null) {
      out.onError(failure);
      return true;
    }
    return false;
  }

  private ServedBy servedBy() {
    return ServedBy.newBuilder().setNode(node).setRegion("test-region")
        .setConsistency(io.edgekv.api.v1.Consistency.EVENTUAL).setAppliedIndex(7).setAsOfHlc(hlc.get()).build();
  }

  private String nextToken() {
    return "token-" + node + "-" + tokens.incrementAndGet();
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}
