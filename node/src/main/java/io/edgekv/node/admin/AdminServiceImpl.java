package io.edgekv.node.admin;

import io.edgekv.api.v1.AddNodeRequest;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.CompactRequest;
import io.edgekv.api.v1.RotateDataKeyRequest;
import io.edgekv.api.v1.RotateDataKeyResponse;
import io.edgekv.api.v1.CompactResponse;
import io.edgekv.api.v1.ConfigRequest;
import io.edgekv.api.v1.ConfigResponse;
import io.edgekv.api.v1.DrainRequest;
import io.edgekv.api.v1.DrainResponse;
import io.edgekv.api.v1.MemberSpec;
import io.edgekv.api.v1.MembersRequest;
import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.RemoveNodeRequest;
import io.edgekv.api.v1.ShardMembers;
import io.edgekv.api.v1.SnapshotRequest;
import io.edgekv.api.v1.SnapshotResponse;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.api.v1.TraceResponse;
import io.edgekv.api.v1.TransferLeaderRequest;
import io.edgekv.api.v1.TransferLeaderResponse;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.edgekv.node.api.Calls;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.node.api.InvalidInputException;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.raft.Peer;
import io.edgekv.replication.raft.RegionReplica;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import io.edgekv.api.v1.LagRequest;
import io.edgekv.api.v1.LagResponse;
import io.edgekv.api.v1.RebuildShardRequest;
import io.edgekv.api.v1.RebuildShardResponse;
import io.edgekv.api.v1.RegionLag;
import io.edgekv.api.v1.RegionRepair;
import io.edgekv.api.v1.RepairRegionsRequest;
import io.edgekv.api.v1.RepairRegionsResponse;
import io.edgekv.node.api.NodeUnavailableException;
import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.gossip.Shipper;
import io.grpc.Status;
import java.util.function.Supplier;

/**
 * The admin API. Fleet-wide calls ({@code Status}, {@code Trace}) combine this node's view with
 * each other node's, asked over the internal service (unreachable nodes are reported, not hidden);
 * membership and leadership calls act on the asked node's region.
 */
public final class AdminServiceImpl extends AdminServiceGrpc.AdminServiceImplBase {
  private static final long PEER_TIMEOUT_MILLIS = 1500;
  private static final long DEFAULT_ADMIN_TIMEOUT_MILLIS = 10_000;
  private static final long DEFAULT_MEMBERSHIP_TIMEOUT_MILLIS = 30_000;
  private static final long DEFAULT_REBUILD_TIMEOUT_MILLIS = 60_000;

  private final NodeConfig config;
  private final LocalStatus local;
  private final KeyTraces traces;
  private final RegionReplica replica;
  private final NodeControl control;
  private final Function<String, ManagedChannel> internalChannels;
  private final Supplier<Shipper> shipper;

  /** @param internalChannels the internal-service channel to a peer, by node id */
  public AdminServiceImpl(NodeConfig config, LocalStatus local, KeyTraces traces, RegionReplica replica,
      NodeControl control, Function<String, ManagedChannel> internalChannels,
      Supplier<Shipper> shipper) {
    this.shipper = shipper;
    this.config = config;
    this.local = local;
    this.traces = traces;
    this.replica = replica;
    this.control = control;
    this.internalChannels = internalChannels;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    if (request.getLocal()) {
      observer.onNext(StatusResponse.newBuilder().setAskedNode(config.nodeId()).addNodes(local.get()).build());
      observer.onCompleted();
      return;
    }
    fanOut(local::get,
        (node, region, error) -> NodeStatus.newBuilder()
            .setId(node.id()).setRegion(region)
            .setPublicAddress(node.publicAddress()).setHttpAddress(node.httpAddress())
            .setReachable(false).setReady(false).setError(error).addNotReadyReasons("unreachable").build(),
        InternalServiceGrpc.InternalServiceStub::localStatus, LocalStatusRequest.getDefaultInstance())
        .whenComplete((all, error) -> {
          observer.onNext(StatusResponse.newBuilder().setAskedNode(config.nodeId()).addAllNodes(all).build());
          observer.onCompleted();
        });
  }

  @Override
  public void trace(TraceRequest request, StreamObserver<TraceResponse> observer) {
    Calls.unary(observer, () -> {
      if (request.getKey().isEmpty()) {
        throw new InvalidInputException("key", "1", "key is empty");
      }
      return fanOut(() -> traces.local(request),
          (node, region, error) -> KeyTraces.unreachable(node.id(), region, error),
          InternalServiceGrpc.InternalServiceStub::localTrace, request)
          .thenApply(all -> TraceResponse.newBuilder().addAllNodes(all).build());
    }, status -> {});
  }

  /** A per-node answer for every node of the topology: this node's directly, the others' over the internal service. */
  private <Q, R> CompletableFuture<List<R>> fanOut(Supplier<R> self,
      Unreachable<R> unreachable, PeerCall<Q, R> call, Q request) {
    List<CompletableFuture<R>> all = new ArrayList<>();
    for (NodeConfig.Region region : config.topology().regions()) {
      for (NodeConfig.NodeAddress node : region.nodes()) {
        if (node.id().equals(config.nodeId())) {
          all.add(CompletableFuture.completedFuture(self.get()));
          continue;
        }
        CompletableFuture<R> out = new CompletableFuture<>();
        var stub = InternalServiceGrpc.newStub(internalChannels.apply(node.id()))
            .withDeadlineAfter(PEER_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        call.invoke(stub, request, new StreamObserver<>() {
          @Override
          public void onNext(R value) {
            out.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            out.complete(unreachable.of(node, region.name(),
                Status.fromThrowable(t).getCode() + ": " + Status.fromThrowable(t).getDescription()));
          }

          @Override
          public void onCompleted() {}
        });
        all.add(out);
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> all.stream().map(CompletableFuture::join).toList());
  }

  @FunctionalInterface
  private interface PeerCall<Q, R> {
    void invoke(InternalServiceGrpc.InternalServiceStub stub, Q request, StreamObserver<R> observer);
  }

  @FunctionalInterface
  private interface Unreachable<R> {
    R of(NodeConfig.NodeAddress node, String region, String error);
  }

  @Override
  public void transferLeader(TransferLeaderRequest request, StreamObserver<TransferLeaderResponse> observer) {
    Calls.unary(observer, () -> {
      Duration timeout = timeout(request.getTimeoutMs(), DEFAULT_ADMIN_TIMEOUT_MILLIS);
      List<CompletableFuture<Void>> moves = new ArrayList<>();
      for (int shard : shards(request.getShard())) {
        moves.add(replica.membership().transferLeadership(shard, request.getTarget(), timeout));
      }
      return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new)).thenApply(ignored ->
          TransferLeaderResponse.newBuilder().addAllGroups(local.get().getGroupsList()).build());
    }, status -> {});
  }

  @Override
  public void addNode(AddNodeRequest request, StreamObserver<MembershipResponse> observer) {
    Calls.unary(observer, () -> {
      MemberSpec spec = request.getNode();
      if (spec.getId().isEmpty() || spec.getHost().isEmpty() || spec.getRaftPort() == 0 || spec.getRaftPort() > 65535) {
        throw new InvalidInputException("node", "", "node needs an id, a host and a raft_port between 1 and 65535");
      }
      return replica.membership().add(new Peer(spec.getId(), spec.getHost(), spec.getRaftPort()),
          timeout(request.getTimeoutMs(), DEFAULT_MEMBERSHIP_TIMEOUT_MILLIS)).thenApply(ignored -> members());
    }, status -> {});
  }

  @Override
  public void removeNode(RemoveNodeRequest request, StreamObserver<MembershipResponse> observer) {
    Calls.unary(observer, () -> {
      if (request.getId().isEmpty()) {
        throw new InvalidInputException("id", "", "id of the node to remove is empty");
      }
      return replica.membership().remove(request.getId(), request.getForce(),
          timeout(request.getTimeoutMs(), DEFAULT_MEMBERSHIP_TIMEOUT_MILLIS)).thenApply(ignored -> members());
    }, status -> {});
  }

  private static Duration timeout(long requestedMillis, long defaultMillis) {
    if (requestedMillis < 0) {
      throw new InvalidInputException("timeout_ms", "0", "timeout_ms must not be negative, got " + requestedMillis);
    }
    return Duration.ofMillis(requestedMillis > 0 ? requestedMillis : defaultMillis);
  }

  @Override
  public void members(MembersRequest request, StreamObserver<MembershipResponse> observer) {
    Calls.blocking(observer, this::members);
  }

  private MembershipResponse members() {
    MembershipResponse.Builder out = MembershipResponse.newBuilder();
    var groups = replica.groups();
    for (int shard = 0; shard < replica.shards(); shard++) {
      ShardMembers.Builder members = ShardMembers.newBuilder().setShard(shard).setLeader(groups.get(shard).leader());
      for (Peer peer : replica.members(shard)) {
        members.addMembers(MemberSpec.newBuilder().setId(peer.id()).setHost(peer.host()).setRaftPort(peer.raftPort()));
      }
      out.addShards(members);
    }
    return out.build();
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
    Calls.blocking(observer, () -> SnapshotResponse.newBuilder()
        .addAllIndexes(replica.snapshotNow(DEFAULT_ADMIN_TIMEOUT_MILLIS)).build());
  }

  @Override
  public void rotateDataKey(RotateDataKeyRequest request, StreamObserver<RotateDataKeyResponse> observer) {
    Calls.unary(observer, () -> {
      String namespace = new RequestValidator(config.limits()).namespace(request.getNamespace());
      if (!config.security().encryptionEnabled()) {
        throw Status.FAILED_PRECONDITION.withDescription("this node does not encrypt at rest"
            + " (security.masterKeyFile is not set): there is no data key to rotate").asRuntimeException();
      }
      return replica.rotateDataKey(namespace, Deadline.after(Duration.ofMillis(DEFAULT_ADMIN_TIMEOUT_MILLIS)))
          .thenApply(done -> RotateDataKeyResponse.newBuilder().setShards(replica.shards()).build());
    }, status -> {});
  }

  @Override
  public void compact(CompactRequest request, StreamObserver<CompactResponse> observer) {
    Calls.blocking(observer, () -> {
      long before = 0;
      long after = 0;
      for (int shard = 0; shard < replica.shards(); shard++) {
        before += replica.reads().sizeBytes(shard);
        replica.reads().compact(shard);
        after += replica.reads().sizeBytes(shard);
      }
      return CompactResponse.newBuilder().setBytesBefore(before).setBytesAfter(after).build();
    });
  }

  @Override
  public void drain(DrainRequest request, StreamObserver<DrainResponse> observer) {
    Calls.unary(observer, () -> {
      Duration timeout = timeout(request.getTimeoutMs(), DEFAULT_ADMIN_TIMEOUT_MILLIS);
      CompletableFuture<Void> done;
      if (request.getDrain()) {
        done = control.drain(timeout);
      } else {
        control.undrain();
        done = CompletableFuture.completedFuture(null);
      }
      return done.thenApply(ignored -> DrainResponse.newBuilder().setStatus(local.get()).build());
    }, status -> {});
  }

  @Override
  public void config(ConfigRequest request, StreamObserver<ConfigResponse> observer) {
    Calls.blocking(observer, () -> ConfigResponse.newBuilder().setYaml(control.effectiveConfig()).build());
  }

  @Override
  public void repair(RepairRegionsRequest request,
      StreamObserver<RepairRegionsResponse> observer) {
    Calls.unary(observer, () -> {
      List<String> regions = config.topology().regions().stream().map(NodeConfig.Region::name)
          .filter(name -> !name.equals(config.region().name()))
          .filter(name -> request.getRegion().isEmpty() || name.equals(request.getRegion())).toList();
      if (regions.isEmpty()) {
        throw new InvalidInputException("region", "", request.getRegion().isEmpty()
            ? "there is no other region to repair" : "'" + request.getRegion() + "' is not another region of the topology");
      }
      List<CompletableFuture<RegionRepair>> all = new ArrayList<>();
      for (String region : regions) {
        for (int shard = 0; shard < replica.shards(); shard++) {
          int s = shard;
          all.add(shipper.get().repair(region, shard).handle((buckets, error) -> {
            var out = RegionRepair.newBuilder().setRegion(region).setShard(s);
            return error == null ? out.setDifferingBuckets(buckets).build()
                : out.setError(String.valueOf(error.getCause() != null ? error.getCause() : error)).build();
          }));
        }
      }
      return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(ignored ->
          RepairRegionsResponse.newBuilder()
              .addAllRepairs(all.stream().map(CompletableFuture::join).toList()).build());
    }, status -> {});
  }

  @Override
  public void lag(LagRequest request, StreamObserver<LagResponse> observer) {
    Calls.blocking(observer, () -> {
      var out = LagResponse.newBuilder();
      for (var report : shipper.get().lag()) {
        out.addLags(RegionLag.newBuilder().setToRegion(report.toRegion()).setShard(report.shard())
            .setEntries(report.entries()).setSeconds(report.ageMillis() / 1000.0)
            .setNeedsRepair(report.needsRepair()).setMeasuredBy(config.nodeId()));
      }
      return out.build();
    });
  }

  /** Reinstalls a shard on this node from a healthy peer; see {@link RegionReplica#rebuildShard}. */
  @Override
  public void rebuildShard(RebuildShardRequest request,
      StreamObserver<RebuildShardResponse> observer) {
    Calls.blocking(observer, () -> {
      int shard = request.getShard();
      if (shard >= replica.shards()) {
        throw new InvalidInputException("shard", String.valueOf(replica.shards() - 1),
            "shard " + shard + " does not exist; shards are 0.." + (replica.shards() - 1));
      }
      long timeout = request.getTimeoutMs() > 0 ? request.getTimeoutMs() : DEFAULT_REBUILD_TIMEOUT_MILLIS;
      long applied;
      try {
        applied = replica.rebuildShard(shard, timeout);
      } catch (WriteUnavailableException e) {
        throw new NodeUnavailableException(e.getMessage());
      }
      return RebuildShardResponse.newBuilder().setShard(shard).setAppliedIndex(applied)
          .setStatus(local.get()).build();
    });
  }

  private List<Integer> shards(int requested) {
    if (requested < -1 || requested >= replica.shards()) {
      throw new InvalidInputException("shard", String.valueOf(replica.shards() - 1),
          "shard " + requested + " does not exist; shards are 0.." + (replica.shards() - 1) + " (or -1 for all)");
    }
    List<Integer> out = new ArrayList<>();
    for (int shard = 0; shard < replica.shards(); shard++) {
      if (requested == -1 || requested == shard) {
        out.add(shard);
      }
    }
    return out;
  }

}
