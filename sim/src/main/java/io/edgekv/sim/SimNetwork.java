package io.edgekv.sim;

import com.google.protobuf.Message;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The simulated WAN between PoPs of different regions. A call travels as a request and an
 * answer, each delayed by the regions' one-way delay plus jitter, each lost with the link's loss
 * rate or when a partition separates the regions; some requests are delivered twice, some late
 * enough to overtake later ones. A call whose answer does not come back fails after the same
 * 5 s timeout the node's transport uses; a call to a PoP that is down fails after one round trip
 * (connection refused).
 */
final class SimNetwork {
  static final long CALL_TIMEOUT_MILLIS = 5_000;

  /** Fault rates of the network (fractions of messages). */
  record Faults(double loss, double duplicate, double reorder, double reorderMaxMillis) {
    static final Faults NONE = new Faults(0, 0, 0, 0);
  }

  private final SimLoop loop;
  private final SplittableRandom random;
  private final Geography geography;
  private final Traffic traffic;
  private final int[] side;
  private final boolean[] isolated;
  private final double[][] extraLoss;
  private Faults faults;
  private long nextCall;

  SimNetwork(SimLoop loop, SplittableRandom random, Geography geography, Traffic traffic, int regions, Faults faults) {
    this.loop = loop;
    this.random = random;
    this.geography = geography;
    this.traffic = traffic;
    this.side = new int[regions];
    this.isolated = new boolean[regions];
    this.extraLoss = new double[regions][regions];
    this.faults = faults;
  }

  void faults(Faults faults) {
    this.faults = faults;
  }

  /** Separates regions: two regions talk only when they are on the same side. */
  void partition(int[] sides) {
    System.arraycopy(sides, 0, side, 0, side.length);
  }

  /** Cuts one region off from all others (or reconnects it), independently of {@link #partition}. */
  void isolate(int region, boolean cut) {
    isolated[region] = cut;
  }

  void heal() {
    Arrays.fill(side, 0);
    Arrays.fill(isolated, false);
    for (double[] row : extraLoss) {
      Arrays.fill(row, 0);
    }
  }

  /** Extra loss on the link between two regions, both directions (a lossy path). */
  void lossy(int a, int b, double loss) {
    extraLoss[a][b] = loss;
    extraLoss[b][a] = loss;
  }

  boolean connected(int a, int b) {
    return side[a] == side[b] && isolated[a] == isolated[b];
  }

  /**
   * Sends {@code request} from {@code from} to {@code to} and {@code handler}'s answer back.
   *
   * @param kind what the request is, for the traffic figures; answers count as {@code answerKind}
   */
  <Q extends Message, R extends Message> CompletableFuture<R> call(SimPop from, SimPop to, Q request,
      Traffic.Kind kind, Traffic.Kind answerKind, Function<Q, CompletableFuture<R>> handler) {
    CompletableFuture<R> answer = new CompletableFuture<>();
    long id = nextCall++;
    int a = from.regionIndex();
    int b = to.regionIndex();
    traffic.sent(loop.now(), kind, request.getSerializedSize());
    loop.trace("send", id, a, b, request.getSerializedSize());
    loop.after(CALL_TIMEOUT_MILLIS, () -> {
      if (!answer.isDone()) {
        loop.trace("timeout", id);
        answer.completeExceptionally(new TimeoutException("no answer from " + to.id() + " in " + CALL_TIMEOUT_MILLIS
            + " ms"));
      }
    });
    if (!to.up()) {
      // Connection refused: known after a round trip, nothing delivered.
      loop.after(Math.round(2 * delay(a, b)), () -> answer.completeExceptionally(
          new IllegalStateException(to.id() + " refused the connection (down)")));
      return answer;
    }
    if (lost(a, b)) {
      loop.trace("lost", id);
      return answer;
    }
    long there = Math.round(delay(a, b));
    loop.after(there, () -> deliver(id, from, to, request, answerKind, handler, answer));
    if (random.nextDouble() < faults.duplicate()) {
      long again = there + 1 + Math.round(random.nextDouble() * 50);
      loop.after(again, () -> {
        if (to.up()) {
          loop.trace("duplicate", id);
          handler.apply(request);
        }
      });
    }
    return answer;
  }

  private <Q extends Message, R extends Message> void deliver(long id, SimPop from, SimPop to, Q request,
      Traffic.Kind answerKind, Function<Q, CompletableFuture<R>> handler, CompletableFuture<R> answer) {
    if (!to.up()) {
      loop.trace("undelivered", id);
      return;
    }
    loop.trace("deliver", id);
    handler.apply(request).whenComplete((response, error) -> {
      if (!to.up()) {
        return;
      }
      int a = to.regionIndex();
      int b = from.regionIndex();
      if (error != null) {
        // The error status travels back like an answer (a small one).
        traffic.sent(loop.now(), Traffic.Kind.ERROR, 32);
        if (!lost(a, b)) {
          loop.after(Math.round(delay(a, b)), () -> answer.completeExceptionally(error));
        }
        return;
      }
      traffic.sent(loop.now(), answerKind, response.getSerializedSize());
      if (lost(a, b)) {
        loop.trace("lost-answer", id);
        return;
      }
      loop.after(Math.round(delay(a, b)), () -> {
        loop.trace("answer", id);
        answer.complete(response);
      });
    });
  }

  private boolean lost(int a, int b) {
    return !connected(a, b) || random.nextDouble() < faults.loss() + extraLoss[a][b];
  }

  /** One-way delay: the route's typical delay, jitter (mostly small, sometimes large), sometimes a reordering stall. */
  private double delay(int a, int b) {
    double base = geography.oneWayMillis(a, b);
    double jitter = base * 0.05 * -Math.log(1 - random.nextDouble());
    double stall = random.nextDouble() < faults.reorder() ? random.nextDouble() * faults.reorderMaxMillis() : 0;
    return base + jitter + stall;
  }
}
