package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The way to other regions over the internal gRPC service: sends a call to one node of the
 * target region (for a replication batch, the shard's leader as the last answer named it; else
 * the node that answered last; else the next), trying the region's other nodes in turn when one
 * fails. Remembers when each region last answered, for the "healthy region" hint of refused
 * writes. The node supplies the channels (TLS, limits); {@link EmulatedWan} wraps this link
 * to emulate a WAN in {@code edgekv dev} and tests.
 */
public final class RegionTransport implements RegionLink {
  private static final long CALL_TIMEOUT_MILLIS = 5000;
  /**
   * A leader named by an answer is not preferred while a call to it failed less than this ago: under
   * a partial partition, going back to it costs the batches in flight a call timeout each time.
   */
  private static final long AVOID_FAILED_MILLIS = 60_000;

  private final Map<String, List<String>> regions;
  private final Function<String, ? extends Channel> channels;
  private final Clock clock;
  private final Map<String, Integer> preferred = new ConcurrentHashMap<>();
  private final Map<String, Long> lastAnswerMillis = new ConcurrentHashMap<>();
  /** Per node id, when a call to it last failed; cleared when it answers. */
  private final Map<String, Long> failedAtMillis = new ConcurrentHashMap<>();

  /**
   * @param regions every other region's node ids, in the order they are tried (the topology's)
   * @param channels the internal channel to a node id
   */
  public RegionTransport(Map<String, List<String>> regions, Function<String, ? extends Channel> channels, Clock clock) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    regions.forEach((region, nodes) -> {
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("region " + region + " has no nodes");
      }
      copy.put(region, List.copyOf(nodes));
    });
    this.regions = Collections.unmodifiableMap(copy);
    this.channels = channels;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request) {
    String route = region + "/" + request.getShard();
    return call(region, route, request, InternalServiceGrpc.InternalServiceStub::replicate).thenApply(response -> {
      // Batches go to the shard's leader from then on: a follower would forward each one to it.
      // Not to a leader this node could not reach lately (a partial partition): every batch would
      // wait for the call's timeout before another node took it.
      int leader = nodes(region).indexOf(response.getLeader());
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

  /** Another region that answered within {@code recent}, for a refused write's hint. */
  public Optional<String> healthyRegion(Duration recent) {
    long now = clock.millis();
    return regions.keySet().stream()
        .filter(r -> now - lastAnswerMillis.getOrDefault(r, Long.MIN_VALUE / 2) <= recent.toMillis())
        .findFirst();
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
    List<String> nodes;
    try {
      nodes = nodes(region);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return attempt(region, route, nodes, preferred.getOrDefault(route, 0), 0, request, rpc);
  }

  private boolean failedLately(String nodeId) {
    Long failedAt = failedAtMillis.get(nodeId);
    return failedAt != null && clock.millis() - failedAt < AVOID_FAILED_MILLIS;
  }

  private List<String> nodes(String region) {
    List<String> nodes = regions.get(region);
    if (nodes == null) {
      throw new IllegalArgumentException("region " + region + " is not in the topology");
    }
    return nodes;
  }

  private <Q, R> CompletableFuture<R> attempt(String region, String route, List<String> nodes, int start, int tried,
      Q request, Rpc<Q, R> rpc) {
    int index = (start + tried) % nodes.size();
    String node = nodes.get(index);
    return send(node, request, rpc).handle((response, error) -> {
      if (error == null) {
        failedAtMillis.remove(node);
        preferred.put(route, index);
        lastAnswerMillis.put(region, clock.millis());
        return CompletableFuture.completedFuture(response);
      }
      failedAtMillis.put(node, clock.millis());
      if (tried + 1 < nodes.size()) {
        return attempt(region, route, nodes, start, tried + 1, request, rpc);
      }
      return CompletableFuture.<R>failedFuture(error);
    }).thenCompose(f -> f);
  }

  private <Q, R> CompletableFuture<R> send(String node, Q request, Rpc<Q, R> rpc) {
    CompletableFuture<R> out = new CompletableFuture<>();
    rpc.invoke(InternalServiceGrpc.newStub(channels.apply(node))
        .withDeadlineAfter(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), request, new StreamObserver<R>() {
          @Override
          public void onNext(R value) {
            out.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return out;
  }
}
