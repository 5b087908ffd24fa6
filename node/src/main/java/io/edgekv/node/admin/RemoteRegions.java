package io.edgekv.node.admin;

import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.gossip.RegionLink;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The way to other regions: sends a replication batch to one node of the target region (the
 * shard's leader as the last answer named it, else the node that answered last, else the next),
 * over the internal service. In {@code edgekv dev} it can
 * emulate a WAN link (one-way delay each way, loss) so propagation can be felt on a laptop.
 * Remembers when each region last answered, for the "healthy region" hint of refused writes.
 */
public final class RemoteRegions implements RegionLink {
  private static final long CALL_TIMEOUT_MILLIS = 5000;
  /**
   * A leader named by an answer is not preferred while a call to it failed less than this ago: under
   * a partial partition, going back to it costs the batches in flight a call timeout each time.
   */
  private static final long AVOID_FAILED_MILLIS = 60_000;

  private final NodeConfig config;
  private final Function<String, ManagedChannel> channels;
  private final ScheduledExecutorService scheduler;
  private final Duration wanDelay;
  private final double lossPercent;
  private final Random random = new Random();
  private final Clock clock;
  private final Map<String, Integer> preferred = new ConcurrentHashMap<>();
  private final Map<String, Long> lastAnswerMillis = new ConcurrentHashMap<>();
  /** Per node id, when a call to it last failed; cleared when it answers. */
  private final Map<String, Long> failedAtMillis = new ConcurrentHashMap<>();
  private final java.util.Set<String> cut = ConcurrentHashMap.newKeySet();

  public RemoteRegions(NodeConfig config, Function<String, ManagedChannel> channels, ScheduledExecutorService scheduler,
      Clock clock) {
    this.config = config;
    this.channels = channels;
    this.scheduler = scheduler;
    this.wanDelay = config.replication().wanDelay();
    this.lossPercent = config.replication().wanLossPercent();
    this.clock = clock;
  }

  /**
   * Fault injection for tests (MiniKvCluster): calls from this node to {@code region} fail as if
   * the link were cut, until {@link #heal}. The chaos suite cuts real links with iptables instead.
   */
  public void cut(String region) {
    cut.add(region);
  }

  public void heal() {
    cut.clear();
  }

  @Override
  public CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request) {
    String route = region + "/" + request.getShard();
    return call(region, route, request, InternalServiceGrpc.InternalServiceStub::replicate).thenApply(response -> {
      // Batches go to the shard's leader from then on: a follower would forward each one to it.
      // Not to a leader this node could not reach lately (a partial partition): every batch would
      // wait for the call's timeout before another node took it.
      int leader = nodes(region).stream().map(NodeConfig.NodeAddress::id).toList().indexOf(response.getLeader());
      if (leader >= 0 && !failedLately(response.getLeader())) {
        preferred.put(route, leader);
      }
      return response;
    });
  }

  @Override
  public CompletableFuture<RangeDigestsResponse> rangeDigests(String region, RangeDigestsRequest request) {
    return call(region, region, request, InternalServiceGrpc.InternalServiceStub::rangeDigests);
  }

  @Override
  public CompletableFuture<ReplicateResponse> repair(String region, RepairRequest request) {
    return call(region, region, request, InternalServiceGrpc.InternalServiceStub::repair);
  }

  @FunctionalInterface
  private interface Rpc<Q, R> {
    void invoke(InternalServiceGrpc.InternalServiceStub stub, Q request, StreamObserver<R> observer);
  }

  /**
   * Sends to the node last preferred for {@code route} (a region, or a region's shard), trying the
   * region's other nodes in turn when it fails.
   */
  private <Q, R> CompletableFuture<R> call(String region, String route, Q request, Rpc<Q, R> rpc) {
    if (cut.contains(region)) {
      return CompletableFuture.failedFuture(new java.io.IOException("link to " + region + " is cut"));
    }
    int start = preferred.getOrDefault(route, 0);
    return attempt(region, route, nodes(region), start, 0, request, rpc);
  }

  private boolean failedLately(String nodeId) {
    Long failedAt = failedAtMillis.get(nodeId);
    return failedAt != null && clock.millis() - failedAt < AVOID_FAILED_MILLIS;
  }

  private List<NodeConfig.NodeAddress> nodes(String region) {
    return config.topology().regions().stream().filter(r -> r.name().equals(region)).findFirst().orElseThrow()
        .nodes();
  }

  private <Q, R> CompletableFuture<R> attempt(String region, String route, List<NodeConfig.NodeAddress> nodes,
      int start, int tried, Q request, Rpc<Q, R> rpc) {
    NodeConfig.NodeAddress node = nodes.get((start + tried) % nodes.size());
    return send(node, request, rpc).handle((response, error) -> {
      if (error != null) {
        failedAtMillis.put(node.id(), clock.millis());
      } else {
        failedAtMillis.remove(node.id());
        preferred.put(route, (start + tried) % nodes.size());
        lastAnswerMillis.put(region, clock.millis());
        return CompletableFuture.completedFuture(response);
      }
      if (tried + 1 < nodes.size()) {
        return attempt(region, route, nodes, start, tried + 1, request, rpc);
      }
      return CompletableFuture.<R>failedFuture(error);
    }).thenCompose(f -> f);
  }

  private <Q, R> CompletableFuture<R> send(NodeConfig.NodeAddress node, Q request, Rpc<Q, R> rpc) {
    CompletableFuture<R> out = new CompletableFuture<>();
    Runnable call = () -> rpc.invoke(InternalServiceGrpc.newStub(channels.apply(node.id()))
        .withDeadlineAfter(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), request, new StreamObserver<R>() {
          @Override
          public void onNext(R value) {
            delayed(() -> out.complete(value));
          }

          @Override
          public void onError(Throwable t) {
            delayed(() -> out.completeExceptionally(t));
          }

          @Override
          public void onCompleted() {}
        });
    if (lossPercent > 0 && random.nextDouble() * 100 < lossPercent) {
      delayed(() -> out.completeExceptionally(new java.io.IOException("emulated WAN loss")));
      return out;
    }
    delayed(call);
    return out;
  }

  private void delayed(Runnable action) {
    if (wanDelay.isZero()) {
      action.run();
    } else {
      scheduler.schedule(action, wanDelay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Another region that answered within {@code recent}, for a refused write's hint; null if none. */
  public NodeConfig.Region healthyRegion(Duration recent) {
    long now = clock.millis();
    return config.topology().regions().stream()
        .filter(r -> !r.name().equals(config.region().name()))
        .filter(r -> now - lastAnswerMillis.getOrDefault(r.name(), Long.MIN_VALUE / 2) <= recent.toMillis())
        .findFirst().orElse(null);
  }
}
