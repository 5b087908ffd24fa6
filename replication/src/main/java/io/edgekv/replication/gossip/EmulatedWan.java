package io.edgekv.replication.gossip;

import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A WAN in front of another {@link RegionLink}, for {@code edgekv dev --wan-delay/--wan-loss} and
 * tests: every call waits {@code oneWayDelay} before it is sent and its answer (or failure) waits
 * as long again; {@code lossPercent} of the calls fail after the outbound delay as if the network
 * had lost them; and a region can be {@linkplain #cut cut off} from this node (its calls fail at
 * once, as a refused connection would) until {@link #heal}. With no delay, no loss and no cut it
 * passes every call straight through. The chaos suite cuts real links with iptables instead.
 */
public final class EmulatedWan implements RegionLink {
  private final RegionLink inner;
  private final Duration oneWayDelay;
  private final double lossPercent;
  private final ScheduledExecutorService scheduler;
  private final Random random;
  private final Set<String> cut = ConcurrentHashMap.newKeySet();

  /**
   * @param lossPercent 0 to 100
   * @param scheduler runs the delayed sends and answers (never blocked by them)
   */
  public EmulatedWan(RegionLink inner, Duration oneWayDelay, double lossPercent, ScheduledExecutorService scheduler,
      Random random) {
    if (oneWayDelay.isNegative()) {
      throw new IllegalArgumentException("WAN delay must not be negative, was " + oneWayDelay);
    }
    if (!(lossPercent >= 0 && lossPercent <= 100)) {
      throw new IllegalArgumentException("WAN loss must be 0 to 100 percent, was " + lossPercent);
    }
    this.inner = inner;
    this.oneWayDelay = oneWayDelay;
    this.lossPercent = lossPercent;
    this.scheduler = scheduler;
    this.random = random;
  }

  /** Calls from this node to {@code region} fail as if the link were cut, until {@link #heal}. */
  public void cut(String region) {
    cut.add(region);
  }

  /** Restores every cut link. */
  public void heal() {
    cut.clear();
  }

  @Override
  public CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request) {
    return through(region, () -> inner.replicate(region, request));
  }

  @Override
  public CompletableFuture<RangeDigestsResponse> rangeDigests(String region, RangeDigestsRequest request) {
    return through(region, () -> inner.rangeDigests(region, request));
  }

  @Override
  public CompletableFuture<ReplicateResponse> repair(String region, RepairRequest request) {
    return through(region, () -> inner.repair(region, request));
  }

  private <R> CompletableFuture<R> through(String region, Supplier<CompletableFuture<R>> call) {
    if (cut.contains(region)) {
      return CompletableFuture.failedFuture(new IOException("link to " + region + " is cut"));
    }
    if (oneWayDelay.isZero() && lossPercent == 0) {
      return call.get();
    }
    boolean lost = lossPercent > 0 && random.nextDouble() * 100 < lossPercent;
    CompletableFuture<R> out = new CompletableFuture<>();
    delayed(() -> {
      if (lost) {
        out.completeExceptionally(new IOException("emulated WAN loss on the link to " + region));
        return;
      }
      CompletableFuture<R> answer;
      try {
        answer = call.get();
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((response, error) -> delayed(() -> {
        if (error != null) {
          out.completeExceptionally(error);
        } else {
          out.complete(response);
        }
      }, out));
    }, out);
    return out;
  }

  private void delayed(Runnable action, CompletableFuture<?> orFail) {
    try {
      scheduler.schedule(action, oneWayDelay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      orFail.completeExceptionally(new IOException("the node is stopping", e));
    }
  }
}
