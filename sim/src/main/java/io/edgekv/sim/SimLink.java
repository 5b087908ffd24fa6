package io.edgekv.sim;

import com.google.protobuf.Message;
import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.replication.gossip.RegionLink;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One PoP's calls to other regions over the simulated network, routed as the node's transport
 * routes them: replication batches to the node another region last named as its leader, and,
 * when that node does not answer, to the region's nodes in turn.
 */
final class SimLink implements RegionLink {
  private final Simulation sim;
  private final SimPop from;
  private final Map<String, SimPop> leaderHint = new HashMap<>();
  private final Map<String, Integer> next = new HashMap<>();

  SimLink(Simulation sim, SimPop from) {
    this.sim = sim;
    this.from = from;
  }

  @Override
  public CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request) {
    SimPop to = target(region);
    Traffic.Kind kind = request.getMutationsCount() == 0 ? Traffic.Kind.GOSSIP : Traffic.Kind.BATCH;
    sim.batchCauses().sent(from, sim.region(region), request);
    return call(region, to, request, kind, Traffic.Kind.ANSWER, to::receiveReplicate).whenComplete((answer, error) -> {
      if (error != null || !answer.getRefused().isEmpty()) {
        sim.batchCauses().failed(from, sim.region(region), request);
      }
      if (error == null && !answer.getLeader().isEmpty()) {
        leaderHint.put(region, sim.pop(answer.getLeader()));
      }
    });
  }

  @Override
  public CompletableFuture<RangeDigestsResponse> rangeDigests(String region, RangeDigestsRequest request) {
    SimPop to = target(region);
    return call(region, to, request, Traffic.Kind.ANTI_ENTROPY, Traffic.Kind.ANTI_ENTROPY, to::receiveRangeDigests);
  }

  @Override
  public CompletableFuture<ReplicateResponse> repair(String region, RepairRequest request) {
    SimPop to = target(region);
    return call(region, to, request, Traffic.Kind.ANTI_ENTROPY, Traffic.Kind.ANTI_ENTROPY, to::receiveRepair);
  }

  private <Q extends Message, R extends Message> CompletableFuture<R> call(String region, SimPop to, Q request,
      Traffic.Kind kind, Traffic.Kind answerKind, Function<Q, CompletableFuture<R>> handler) {
    return sim.network().call(from, to, request, kind, answerKind, handler).whenComplete((answer, error) -> {
      if (error != null) {
        // Not preferred again: the next call tries the region's next node.
        leaderHint.remove(region);
        next.merge(region, 1, Integer::sum);
      }
    });
  }

  private SimPop target(String region) {
    SimPop hinted = leaderHint.get(region);
    if (hinted != null) {
      return hinted;
    }
    List<SimPop> pops = sim.region(region).pops();
    return pops.get(Math.floorMod(next.getOrDefault(region, 0), pops.size()));
  }
}
