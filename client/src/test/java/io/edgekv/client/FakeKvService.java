package io.edgekv.client;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.DrainRequest;
import io.edgekv.api.v1.DrainResponse;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.KeyResult;
import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.ServedBy;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TouchResponse;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.api.v1.TraceResponse;
import io.edgekv.api.v1.TransferLeaderRequest;
import io.edgekv.api.v1.TransferLeaderResponse;
import io.edgekv.api.v1.TxnCheck;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnPut;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.api.v1.TxnResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
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
 * A single-node, in-memory KvService for client tests, with a minimal AdminService ({@link
 * #admin()}): it records every request, and can be told to fail the next calls, fail every call,
 * never answer, or mark its responses as draining.
 */
final class FakeKvService extends KvServiceGrpc.KvServiceImplBase {

  final String node;
  final List<Message> requests = new CopyOnWriteArrayList<>();
  final Queue<StatusRuntimeException> nextFailures = new ConcurrentLinkedQueue<>();
  volatile Supplier<StatusRuntimeException> alwaysFail;
  volatile boolean hang;
  /** While set, the fleet's interceptor adds {@code edgekv-draining: true} to every response. */
  volatile boolean draining;
  /** The requests that arrived while {@link #draining} was set. */
  final AtomicLong requestsWhileDraining = new AtomicLong();

  private final NavigableMap<ByteString, Entry> store =
      new ConcurrentSkipListMap<>(ByteString.unsignedLexicographicalComparator());
  private final AtomicLong hlc = new AtomicLong(1000);
  private final AtomicLong tokens = new AtomicLong();

  static final long EXPIRY_BASE_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

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

  @Override
  public void touch(TouchRequest request, StreamObserver<TouchResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    Entry e = store.get(request.getKey());
    TouchResponse.Builder r = TouchResponse.newBuilder().setServedBy(servedBy()).setSessionToken(nextToken());
    if (e != null) {
      io.edgekv.api.v1.Version v = nextVersion();
      long expiresAt = EXPIRY_BASE_MS + request.getTtlMs();
      store.put(request.getKey(), e.toBuilder().setVersion(v).setExpiresAtUnixMs(expiresAt).build());
      r.setFound(true).setVersion(v).setExpiresAtUnixMs(expiresAt);
    }
    reply(out, r.build());
  }

  @Override
  public synchronized void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    if (intercept(request, out)) {
      return;
    }
    for (TxnCheck check : request.getChecksList()) {
      Entry current = store.get(check.getKey());
      boolean holds = check.getCondition().hasIfVersion()
          ? current != null && current.getVersion().equals(check.getCondition().getIfVersion())
          : current == null;
      if (!holds) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason("CONDITION_FAILED")
            .putMetadata("key", check.getKey().toStringUtf8());
        if (current != null) {
          info.putMetadata("currentVersion",
              current.getVersion().getHlc() + "@" + current.getVersion().getOriginRegion());
        }
        out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Code.FAILED_PRECONDITION_VALUE)
            .setMessage("condition failed on key '" + check.getKey().toStringUtf8() + "'")
            .addDetails(Any.pack(info.build())).build()));
        return;
      }
    }
    io.edgekv.api.v1.Version v = nextVersion();
    for (TxnOp op : request.getOpsList()) {
      if (op.hasPut()) {
        TxnPut put = op.getPut();
        store.put(put.getKey(), Entry.newBuilder().setKey(put.getKey()).setValue(put.getValue()).setVersion(v)
            .putAllMetadata(put.getMetadataMap()).addAllTags(put.getTagsList()).build());
      } else {
        store.remove(op.getDelete().getKey());
      }
    }
    reply(out, TxnResponse.newBuilder().setVersion(v).setServedBy(servedBy()).setSessionToken(nextToken()).build());
  }

  /** An AdminService answering as this node, sharing its request log and failure switches. */
  AdminServiceGrpc.AdminServiceImplBase admin() {
    return new AdminServiceGrpc.AdminServiceImplBase() {
      @Override
      public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        if (!intercept(request, out)) {
          reply(out, StatusResponse.newBuilder().setAskedNode(node)
              .addNodes(NodeStatus.newBuilder().setId(node).setReady(!draining).setDraining(draining)).build());
        }
      }

      @Override
      public void drain(DrainRequest request, StreamObserver<DrainResponse> out) {
        if (!intercept(request, out)) {
          draining = request.getDrain();
          reply(out, DrainResponse.newBuilder()
              .setStatus(NodeStatus.newBuilder().setId(node).setDraining(draining)).build());
        }
      }

      @Override
      public void transferLeader(TransferLeaderRequest request, StreamObserver<TransferLeaderResponse> out) {
        if (!intercept(request, out)) {
          reply(out, TransferLeaderResponse.getDefaultInstance());
        }
      }

      @Override
      public void trace(TraceRequest request, StreamObserver<TraceResponse> out) {
        if (!intercept(request, out)) {
          Entry e = store.get(request.getKey());
          KeyTrace.Builder t = KeyTrace.newBuilder().setNode(node).setReachable(true).setFound(e != null);
          if (e != null) {
            t.setVersion(e.getVersion());
          }
          reply(out, TraceResponse.newBuilder().addNodes(t).build());
        }
      }
    };
  }

  private io.edgekv.api.v1.Version nextVersion() {
    return io.edgekv.api.v1.Version.newBuilder().setHlc(hlc.incrementAndGet()).setOriginRegion("test-region").build();
  }

  private boolean intercept(Message request, StreamObserver<?> out) {
    requests.add(request);
    if (draining) {
      requestsWhileDraining.incrementAndGet();
    }
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
