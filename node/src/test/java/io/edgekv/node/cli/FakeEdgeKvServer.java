package io.edgekv.node.cli;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.edgekv.api.v1.AddNodeRequest;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.CompactRequest;
import io.edgekv.api.v1.CompactResponse;
import io.edgekv.api.v1.Condition;
import io.edgekv.api.v1.ConfigRequest;
import io.edgekv.api.v1.ConfigResponse;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.DrainRequest;
import io.edgekv.api.v1.DrainResponse;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.KeyResult;
import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.MemberSpec;
import io.edgekv.api.v1.MembersRequest;
import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.RemoveNodeRequest;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.ServedBy;
import io.edgekv.api.v1.ShardMembers;
import io.edgekv.api.v1.SnapshotRequest;
import io.edgekv.api.v1.SnapshotResponse;
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
 * AdminService answering for a fixed fleet (eu-west-0 asked, eu-west-1, and us-east-0 that
 * cannot be reached). It records every request, and fails the next admin call with {@link
 * #nextAdminFailure} when set.
 */
final class FakeEdgeKvServer implements AutoCloseable {

  static final int VALUE_LIMIT = 64;
  static final long EXPIRY_BASE_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  static final String CONFIG_YAML = "nodeId: eu-west-0\nregion: eu-west\nlimits:\n  maxValueBytes: 1048576\n";

  final List<Message> requests = new CopyOnWriteArrayList<>();
  private final NavigableMap<ByteString, Entry> store =
      new ConcurrentSkipListMap<>(ByteString.unsignedLexicographicalComparator());
  private final AtomicLong hlc = new AtomicLong(7_000_000_000L);
  private final AtomicLong tokens = new AtomicLong();
  private final Map<ByteString, Version> tombstones = new ConcurrentSkipListMap<>(ByteString.unsignedLexicographicalComparator());
  private final Map<Integer, String> leaders = new ConcurrentSkipListMap<>(Map.of(0, "eu-west-0", 1, "eu-west-1"));
  private final List<MemberSpec> members = new CopyOnWriteArrayList<>(List.of(
      MemberSpec.newBuilder().setId("eu-west-0").setHost("10.0.0.1").setRaftPort(7600).build(),
      MemberSpec.newBuilder().setId("eu-west-1").setHost("10.0.0.2").setRaftPort(7600).build()));
  private volatile boolean draining;
  volatile io.grpc.Status nextAdminFailure;
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
      tombstones.remove(request.getKey());
      reply(out, PutResponse.newBuilder().setVersion(v).setServedBy(servedBy(Consistency.STRONG))
          .setSessionToken(token()).build());
    }

    private boolean conditionHolds(PutRequest request, Entry current, StreamObserver<?> out) {
      return conditionHolds(request.getKey(), request.getCondition(), current, out);
    }

    private boolean conditionHolds(ByteString key, Condition condition, Entry current, StreamObserver<?> out) {
      boolean holds = condition.hasIfVersion()
          ? current != null && current.getVersion().equals(condition.getIfVersion())
          : current == null;
      if (!holds) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason("CONDITION_FAILED").setDomain("edgekv.io")
            .putMetadata("key", key.toStringUtf8());
        String message = "key '" + key.toStringUtf8() + "' "
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
      tombstones.put(request.getKey(), v);
      reply(out, DeleteResponse.newBuilder().setExisted(existed).setVersion(v)
          .setServedBy(servedBy(Consistency.STRONG)).setSessionToken(token()).build());
    }

    @Override
    public synchronized void touch(TouchRequest request, StreamObserver<TouchResponse> out) {
      requests.add(request);
      Entry e = store.get(request.getKey());
      TouchResponse.Builder r = TouchResponse.newBuilder().setServedBy(servedBy(Consistency.STRONG)).setSessionToken(token());
      if (e != null) {
        Version v = Version.newBuilder().setHlc(hlc.incrementAndGet()).setOriginRegion("eu-west").build();
        long expiresAt = EXPIRY_BASE_MS + request.getTtlMs();
        store.put(request.getKey(), e.toBuilder().setVersion(v).setExpiresAtUnixMs(expiresAt).build());
        r.setFound(true).setVersion(v).setExpiresAtUnixMs(expiresAt);
      }
      reply(out, r.build());
    }

    @Override
    public synchronized void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
      requests.add(request);
      if (request.getOpsCount() == 0) {
        out.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("a transaction needs at least one op").asRuntimeException());
        return;
      }
      for (TxnCheck check : request.getChecksList()) {
        if (!conditionHolds(check.getKey(), check.getCondition(), store.get(check.getKey()), out)) {
          return;
        }
      }
      Version v = Version.newBuilder().setHlc(hlc.incrementAndGet()).setOriginRegion("eu-west").build();
      for (TxnOp op : request.getOpsList()) {
        if (op.hasPut()) {
          TxnPut put = op.getPut();
          Entry.Builder e = Entry.newBuilder().setKey(put.getKey()).setValue(put.getValue()).setVersion(v)
              .putAllMetadata(put.getMetadataMap()).addAllTags(put.getTagsList())
              .setDigest(ByteString.copyFrom(sha256(put.getValue())));
          if (put.getTtlMs() > 0) {
            e.setExpiresAtUnixMs(EXPIRY_BASE_MS + put.getTtlMs());
          }
          store.put(put.getKey(), e.build());
          tombstones.remove(put.getKey());
        } else {
          store.remove(op.getDelete().getKey());
          tombstones.put(op.getDelete().getKey(), v);
        }
      }
      reply(out, TxnResponse.newBuilder().setVersion(v).setServedBy(servedBy(Consistency.STRONG))
          .setSessionToken(token()).build());
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
    /** Records the request; fails the call with {@link #nextAdminFailure} if one is set. */
    private boolean refused(Message request, StreamObserver<?> out) {
      requests.add(request);
      io.grpc.Status failure = nextAdminFailure;
      if (failure != null) {
        nextAdminFailure = null;
        out.onError(failure.asRuntimeException());
        return true;
      }
      return false;
    }

    private NodeStatus askedNode() {
      return NodeStatus.newBuilder().setId("eu-west-0").setRegion("eu-west").setReady(!draining).setReachable(true)
          .setDraining(draining).addAllNotReadyReasons(draining ? List.of("draining") : List.of())
          .setPublicAddress("127.0.0.1:7400").setHttpAddress("127.0.0.1:7500")
          .addAllGroups(groups()).build();
    }

    private List<GroupStatus> groups() {
      return leaders.entrySet().stream().map(e -> GroupStatus.newBuilder().setShard(e.getKey())
          .setGroupId("g-eu-west-" + e.getKey()).setRole(e.getValue().equals("eu-west-0") ? "LEADER" : "FOLLOWER")
          .setLeader(e.getValue()).setAppliedIndex(120 + e.getKey()).setCommitIndex(120 + e.getKey()).setTerm(3)
          .addAllPeers(members.stream().map(MemberSpec::getId).toList()).build()).toList();
    }

    private MembershipResponse membership() {
      MembershipResponse.Builder r = MembershipResponse.newBuilder();
      leaders.forEach((shard, leader) -> r.addShards(ShardMembers.newBuilder().setShard(shard).setLeader(leader)
          .addAllMembers(members)));
      return r.build();
    }

    private void invalid(StreamObserver<?> out, String field, String message) {
      out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(message)
          .addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(
              BadRequest.FieldViolation.newBuilder().setField(field).setDescription(message)).build()))
          .build()));
    }

    @Override
    public void members(MembersRequest request, StreamObserver<MembershipResponse> out) {
      if (!refused(request, out)) {
        reply(out, membership());
      }
    }

    @Override
    public void transferLeader(TransferLeaderRequest request, StreamObserver<TransferLeaderResponse> out) {
      if (refused(request, out)) {
        return;
      }
      if (request.getShard() < -1 || request.getShard() >= leaders.size()) {
        invalid(out, "shard", "shard " + request.getShard() + " does not exist; shards are 0..1 (or -1 for all)");
        return;
      }
      String target = request.getTarget().isEmpty() ? "eu-west-1" : request.getTarget();
      if (members.stream().noneMatch(m -> m.getId().equals(target))) {
        invalid(out, "target", "target: " + target + " is not a member of the group");
        return;
      }
      leaders.replaceAll((shard, leader) -> request.getShard() == -1 || request.getShard() == shard ? target : leader);
      reply(out, TransferLeaderResponse.newBuilder().addAllGroups(groups()).build());
    }

    @Override
    public void addNode(AddNodeRequest request, StreamObserver<MembershipResponse> out) {
      if (!refused(request, out)) {
        members.add(request.getNode());
        reply(out, membership());
      }
    }

    @Override
    public void removeNode(RemoveNodeRequest request, StreamObserver<MembershipResponse> out) {
      if (refused(request, out)) {
        return;
      }
      if (!members.removeIf(m -> m.getId().equals(request.getId()))) {
        invalid(out, "id", "id: " + request.getId() + " is not a member");
        return;
      }
      reply(out, membership());
    }

    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
      if (!refused(request, out)) {
        reply(out, SnapshotResponse.newBuilder().addIndexes(120).addIndexes(121).build());
      }
    }

    @Override
    public void lag(io.edgekv.api.v1.LagRequest request, StreamObserver<io.edgekv.api.v1.LagResponse> out) {
      if (!refused(request, out)) {
        reply(out, io.edgekv.api.v1.LagResponse.newBuilder().addLags(io.edgekv.api.v1.RegionLag.newBuilder()
            .setToRegion("us-east").setShard(0).setEntries(12).setSeconds(0.25).setMeasuredBy("eu-west-0")).build());
      }
    }

    @Override
    public void repair(io.edgekv.api.v1.RepairRegionsRequest request,
        StreamObserver<io.edgekv.api.v1.RepairRegionsResponse> out) {
      if (!refused(request, out)) {
        var response = io.edgekv.api.v1.RepairRegionsResponse.newBuilder()
            .addRepairs(io.edgekv.api.v1.RegionRepair.newBuilder().setRegion("us-east").setShard(0).setDifferingBuckets(3));
        if (request.getRegion().isEmpty()) {
          response.addRepairs(io.edgekv.api.v1.RegionRepair.newBuilder().setRegion("ap-south").setShard(0)
              .setError("UNAVAILABLE: link down"));
        }
        reply(out, response.build());
      }
    }

    @Override
    public void compact(CompactRequest request, StreamObserver<CompactResponse> out) {
      if (!refused(request, out)) {
        reply(out, CompactResponse.newBuilder().setBytesBefore(3L << 20).setBytesAfter(1536).build());
      }
    }

    @Override
    public void drain(DrainRequest request, StreamObserver<DrainResponse> out) {
      if (!refused(request, out)) {
        draining = request.getDrain();
        reply(out, DrainResponse.newBuilder().setStatus(askedNode()).build());
      }
    }

    @Override
    public void config(ConfigRequest request, StreamObserver<ConfigResponse> out) {
      if (!refused(request, out)) {
        reply(out, ConfigResponse.newBuilder().setYaml(CONFIG_YAML).build());
      }
    }

    @Override
    public void trace(TraceRequest request, StreamObserver<TraceResponse> out) {
      if (refused(request, out)) {
        return;
      }
      Entry e = store.get(request.getKey());
      Version tombstone = tombstones.get(request.getKey());
      KeyTrace.Builder asked = KeyTrace.newBuilder().setNode("eu-west-0").setRegion("eu-west").setReachable(true)
          .setAppliedIndex(120).setAsOfHlc(hlc.get());
      KeyTrace.Builder peer = KeyTrace.newBuilder().setNode("eu-west-1").setRegion("eu-west").setReachable(true)
          .setAppliedIndex(97).setAsOfHlc(hlc.get() - 5);
      if (e != null) {
        asked.setFound(true).setVersion(e.getVersion()).setDigest(e.getDigest()).setExpiresAtUnixMs(e.getExpiresAtUnixMs());
        // The peer lags: it holds an older version of the key (a different value).
        peer.setFound(true).setVersion(e.getVersion().toBuilder().setHlc(e.getVersion().getHlc() - 1))
            .setDigest(ByteString.copyFrom(sha256(ByteString.copyFromUtf8("older"))));
      } else if (tombstone != null) {
        asked.setDeleted(true).setVersion(tombstone);
        peer.setDeleted(true).setVersion(tombstone);
      }
      reply(out, TraceResponse.newBuilder().addNodes(asked).addNodes(peer)
          .addNodes(KeyTrace.newBuilder().setNode("us-east-0").setRegion("us-east").setReachable(false)
              .setError("UNAVAILABLE: io exception"))
          .build());
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
      if (refused(request, out)) {
        return;
      }
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
