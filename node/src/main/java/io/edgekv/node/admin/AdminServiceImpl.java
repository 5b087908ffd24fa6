package io.edgekv.node.admin;

import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.edgekv.node.config.NodeConfig;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The admin API. {@code Status} reports the whole fleet as this node sees it: its own status,
 * and each other node's as that node reports it over the internal service (or unreachable).
 */
public final class AdminServiceImpl extends AdminServiceGrpc.AdminServiceImplBase {
  private static final long PEER_STATUS_TIMEOUT_MILLIS = 1500;

  private final NodeConfig config;
  private final LocalStatus local;
  private final Function<String, ManagedChannel> internalChannels;

  /** @param internalChannels the internal-service channel to a peer, by node id */
  public AdminServiceImpl(NodeConfig config, LocalStatus local, Function<String, ManagedChannel> internalChannels) {
    this.config = config;
    this.local = local;
    this.internalChannels = internalChannels;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    if (request.getLocal()) {
      observer.onNext(StatusResponse.newBuilder().setAskedNode(config.nodeId()).addNodes(local.get()).build());
      observer.onCompleted();
      return;
    }
    List<CompletableFuture<NodeStatus>> all = new ArrayList<>();
    for (NodeConfig.Region region : config.topology().regions()) {
      for (NodeConfig.NodeAddress node : region.nodes()) {
        all.add(node.id().equals(config.nodeId())
            ? CompletableFuture.completedFuture(local.get())
            : peerStatus(region.name(), node));
      }
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
      StatusResponse.Builder out = StatusResponse.newBuilder().setAskedNode(config.nodeId());
      all.forEach(f -> out.addNodes(f.join()));
      observer.onNext(out.build());
      observer.onCompleted();
    });
  }

  private CompletableFuture<NodeStatus> peerStatus(String region, NodeConfig.NodeAddress node) {
    CompletableFuture<NodeStatus> out = new CompletableFuture<>();
    InternalServiceGrpc.newStub(internalChannels.apply(node.id()))
        .withDeadlineAfter(PEER_STATUS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .localStatus(LocalStatusRequest.getDefaultInstance(), new StreamObserver<>() {
          @Override
          public void onNext(NodeStatus status) {
            out.complete(status);
          }

          @Override
          public void onError(Throwable t) {
            out.complete(NodeStatus.newBuilder()
                .setId(node.id())
                .setRegion(region)
                .setPublicAddress(node.publicAddress())
                .setHttpAddress(node.httpAddress())
                .setReachable(false)
                .setReady(false)
                .setError(io.grpc.Status.fromThrowable(t).getCode() + ": " + t.getMessage())
                .addNotReadyReasons("unreachable")
                .build());
          }

          @Override
          public void onCompleted() {}
        });
    return out;
  }
}
