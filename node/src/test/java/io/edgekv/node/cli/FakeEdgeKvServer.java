package io.edgekv.node.cli;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.KeyResult;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.ServedBy;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.api.v1.Version;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One fake node on a real loopback port (the CLI builds its own channels): an in-memory
 * KvService with the value limit, conditions and error details of the real one, and an
 * AdminService answering a fixed two-node fleet. It records every request.
 */
final class FakeEdgeKvServer implements AutoCloseable {

  static final int VALUE_LIMIT = 64;
  static final long EXPIRY_BASE_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  final List<Message> requests = new CopyOnWriteArrayList<>();
  private final NavigableMap<ByteString, Entry> store =
      new ConcurrentSkipListMap<>(ByteString.unsignedLexicographicalComparator());
  private final AtomicLong hlc = new AtomicLong(7_000_000_000L);
  private final AtomicLong tokens = new AtomicLong();
  private final Server server;

  FakeEdgeKvServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new Kv())
        .addService(new Admin())
        .build()
        .start();
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  <T extends Message> List<T> requestsOf(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private ServedBy servedBy(Consistency consistency) {
    return ServedBy.newBuilder().setNode("node-0").setRegion("eu-west")
        .setConsistency(consistency == Consistency.CONSISTENCY_UNSPECIFIED ? Consistency.EVENTUAL : consistency)
        .setAppliedIndex(42).setAsOfHlc(hlc.get()).build();
  }

  private String token() {
    return "st-" + tokens.incrementAndGet();
  }

  private static String version(Version v) {
    return v.getHlc() + "@" + v.getOriginRegion();
  }

  private static byte[] sha256(ByteString value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.toByteArray());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }

  private final class Kv extends KvServiceGrpc.KvServiceImplBase {
    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> out) {
      requests.add(request);
      Entry e = store.get(request.getKey());
      GetResponse.Builder r = GetResponse.newBuilder()
          .setServedBy(servedBy(request.getRead().getConsistency())).setSessionToken(token());
      if (e != null) {
        r.setFound(true).setEntry(e);
      }
      reply(out, r.build());
    }

    @Override
    public void batchGet(BatchGetRequest request, StreamObserver<BatchGetResponse> out) {
      requests.add(request);
      BatchGetResponse.Builder r = BatchGetResponse.newBuilder()
          .setServedBy(servedBy(request.getRead().getConsistency())).setSessionToken(token());
      for (ByteString k : request.getKeysList()) {
        Entry e = store.get(k);
        r.addResults(e == null ? KeyResult.newBuilder().setKey(k).build()
            : KeyResult.newBuilder().setKey(k).setFound(true).setEntry(e).build());
      }
      reply(out, r.build());
    }

    @Override
    public synchronized void put(PutRequest request, StreamObserver<PutResponse> out) {
      requests.add(request);
      if (request.getValue().size() > VALUE_LIMIT) {
        String message = "value is " + request.getValue().size() + " bytes; the limit is " + VALUE_LIMIT + " bytes";
        out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(message)
            .addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(
                BadRequest.FieldViolation.newBuilder().setField("value").setDescription(message)).build()))
            .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("INVALID_FIELD").setDomain("edgekv.io")
                .putMetadata("field", "value").putMetadata("limit", String.valueOf(VALUE_LIMIT)).build()))
            .build()));
        return;
      }
      Entry current = store.get(request.getKey());
      if (request.hasCondition() && !conditionHolds(request, current, out)) {
        return;
      }
      Version v = Version.newBuilder().setHlc(hlc.incrementAndGet()).setOriginRegion("eu-west").build();
      Entry.Builder e = Entry.newBuilder().setKey(request.getKey()).setValue(request.getValue()).setVersion(v)
          .putAllMetadata(request.getMetadataMap()).addAllTags(request.getTagsList())
          .setDigest(ByteString.copyFrom(sha256(request.getValue())));
      if (request.getTtlMs() > 0) {
        e.setExpiresAtUnixMs(EXPIRY_BASE_MS + request.getTtlMs());
      }
      store.put(request.getKey(), e.build());
      reply(out, PutResponse.newBuilder().setVersion(v).setServedBy(servedBy(Consistency.STRONG))
          .setSessionToken(token()).build());
    }

    private boolean conditionHolds(PutRequest request, Entry current, StreamObserver<?> out) {
      boolean holds = request.getCondition().hasIfVersion()
          ? current != null && current.getVersion().equals(request.getCondition().getIfVersion())
          : current == null;
      if (!holds) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason("CONDITION_FAILED").setDomain("edgekv.io");
        String message = "key '" + request.getKey().toStringUtf8() + "' "
            + (current == null ? "does not exist" : "has version " + version(current.getVersion()));
        if (current != null) {
          info.putMetadata("currentVersion", version(current.getVersion()));
        }
        out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Code.FAILED_PRECONDITION_VALUE).setMessage(message).addDetails(Any.pack(info.build())).build()));
      }
      return holds;
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
      requests.add(request);
      boolean existed = store.remove(request.getKey()) != null;
      Version v = Version.newBuilder().setHlc(hlc.incrementAndGet()).setOriginRegion("eu-west").build();
      reply(out, DeleteResponse.newBuilder().setExisted(existed).setVersion(v)
          .setServedBy(servedBy(Consistency.STRONG)).setSessionToken(token()).build());
    }

    @Override
    public void scan(ScanRequest request, StreamObserver<ScanResponse> out) {
      requests.add(request);
      ByteString from = request.getContinuationToken().isEmpty()
          ? request.getPrefix()
          : ByteString.copyFrom(HexFormat.of().parseHex(request.getContinuationToken()));
      int limit = request.getLimit() == 0 ? 100 : request.getLimit();
      ScanResponse.Builder r = ScanResponse.newBuilder()
          .setServedBy(servedBy(request.getRead().getConsistency())).setSessionToken(token());
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
  }

  private final class Admin extends AdminServiceGrpc.AdminServiceImplBase {
    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
      requests.add(request);
      StatusResponse.Builder r = StatusResponse.newBuilder().setAskedNode("eu-west-0")
          .addNodes(NodeStatus.newBuilder().setId("eu-west-0").setRegion("eu-west").setReady(true).setReachable(true)
              .setPublicAddress("127.0.0.1:7400").setHttpAddress("127.0.0.1:7500")
              .addGroups(GroupStatus.newBuilder().setShard(0).setGroupId("g-eu-west-0").setRole("LEADER")
                  .setLeader("eu-west-0").setAppliedIndex(120).setCommitIndex(120).setTerm(3)
                  .addAllPeers(List.of("eu-west-0", "eu-west-1"))));
      if (!request.getLocal()) {
        r.addNodes(NodeStatus.newBuilder().setId("eu-west-1").setRegion("eu-west").setReady(false).setReachable(true)
            .addNotReadyReasons("catching up").setPublicAddress("127.0.0.1:7401").setHttpAddress("127.0.0.1:7501")
            .addGroups(GroupStatus.newBuilder().setShard(0).setGroupId("g-eu-west-0").setRole("FOLLOWER")
                .setLeader("eu-west-0").setAppliedIndex(97).setCommitIndex(120).setTerm(3)
                .addAllPeers(List.of("eu-west-0", "eu-west-1"))));
      }
      reply(out, r.build());
    }
  }
}
