package io.edgekv.client;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one logical unary call as up to {@link RetryPolicy#maxAttempts()} attempts, each on the
 * next endpoint of the call's attempt order, all within the call's deadline.
 *
 * <p>The order comes from the {@link EndpointSelector}: round robin from the endpoint that
 * last answered, draining endpoints last. Calls addressed to one node (the admin calls that act
 * on the node asked) bypass it.
 */
final class FailoverCaller {

  private static final Logger log = LoggerFactory.getLogger(FailoverCaller.class);

  /** Starts one attempt of a call on {@code channel}; the request is fixed by the caller. */
  @FunctionalInterface
  interface Attempt<R> {
    void start(Channel channel, Deadline deadline, StreamObserver<R> observer);
  }

  private final List<Endpoint> endpoints;
  private final List<ManagedChannel> channels;
  private final List<Channel> intercepted;
  private final EndpointSelector selector;
  private final RetryPolicy policy;
  private final Duration callDeadline;
  private final ScheduledExecutorService scheduler;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  FailoverCaller(
      List<Endpoint> endpoints,
      List<ManagedChannel> channels,
      EndpointSelector selector,
      RetryPolicy policy,
      Duration callDeadline,
      ScheduledExecutorService scheduler) {
    this.endpoints = List.copyOf(endpoints);
    this.channels = List.copyOf(channels);
    List<Channel> withHeaders = new ArrayList<>(channels.size());
    for (int i = 0; i < channels.size(); i++) {
      withHeaders.add(ClientInterceptors.intercept(channels.get(i), new DrainingHeaderInterceptor(selector, i)));
    }
    this.intercepted = List.copyOf(withHeaders);
    this.selector = selector;
    this.policy = policy;
    this.callDeadline = callDeadline;
    this.scheduler = scheduler;
  }

  /** The single daemon thread that times retries and backoffs of one client's calls. */
  static ScheduledExecutorService newRetryTimer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "edgekv-client-retry");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    return Executors.unconfigurableScheduledExecutorService(timer);
  }

  /** A call that may go to any endpoint, failing over as the policy allows. */
  <R> CompletableFuture<R> call(String op, Attempt<R> attempt) {
    return start(op, attempt, selector.attemptOrder(), policy.maxAttempts());
  }

  /** A call that asks endpoint {@code first} and fails over to the others in list order. */
  <R> CompletableFuture<R> callFrom(String op, int first, Attempt<R> attempt) {
    return start(op, attempt, selector.attemptOrderFrom(first), policy.maxAttempts());
  }

  /** A call that only endpoint {@code index} may answer: one attempt, no failover. */
  <R> CompletableFuture<R> callOnly(String op, int index, Attempt<R> attempt) {
    return start(op, attempt, new int[] {index}, 1);
  }

  private <R> CompletableFuture<R> start(String op, Attempt<R> attempt, int[] order, int maxAttempts) {
    CompletableFuture<R> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(closedError());
      return result;
    }
    pending.add(result);
    result.whenComplete((r, t) -> pending.remove(result));
    Deadline deadline = Deadline.after(callDeadline.toNanos(), TimeUnit.NANOSECONDS);
    runAttempt(new Call<>(op, attempt, order, maxAttempts, deadline, result), 1);
    return result;
  }

  /** One logical call: what every attempt shares. */
  private record Call<R>(
      String op, Attempt<R> attempt, int[] order, int maxAttempts, Deadline deadline, CompletableFuture<R> result) {
    int endpointOf(int attemptNo) {
      return order[(attemptNo - 1) % order.length];
    }
  }

  /** Stops accepting calls and retries; calls already sent may still complete. */
  void shutdown() {
    closed = true;
  }

  /** Fails every call still in progress; called once the channels are closed. */
  void failPending() {
    closed = true;
    for (CompletableFuture<?> f : pending) {
      f.completeExceptionally(closedError());
    }
  }

  private <R> void runAttempt(Call<R> call, int attemptNo) {
    CompletableFuture<R> result = call.result();
    if (result.isDone()) {
      return; // cancelled by the caller, or failed by close()
    }
    if (closed) {
      result.completeExceptionally(closedError());
      return;
    }
    int index = call.endpointOf(attemptNo);
    ManagedChannel channel = channels.get(index);
    if (attemptNo > 1 && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // gRPC's own reconnect backoff grows to minutes; this call's backoff already spaced the
      // attempts, so reconnect now rather than fail at once on a channel still backing off.
      channel.resetConnectBackoff();
    }
    Deadline attemptDeadline = policy.perAttemptTimeout()
        .map(t -> call.deadline().minimum(Deadline.after(t.toNanos(), TimeUnit.NANOSECONDS)))
        .orElse(call.deadline());
    StreamObserver<R> observer = new StreamObserver<>() {
      private R value;

      @Override
      public void onNext(R v) {
        value = v;
      }

      @Override
      public void onError(Throwable t) {
        onAttemptFailed(call, attemptNo, index, t);
      }

      @Override
      public void onCompleted() {
        selector.answered(index);
        if (value == null) {
          result.completeExceptionally(new EdgeKvException(
              Status.Code.INTERNAL, call.op() + ": the server completed the call without a response", null));
        } else {
          result.complete(value);
        }
      }
    };
    try {
      call.attempt().start(intercepted.get(index), attemptDeadline, observer);
    } catch (RuntimeException e) {
      result.completeExceptionally(Errors.translate(e));
    }
  }

  private <R> void onAttemptFailed(Call<R> call, int attemptNo, int index, Throwable t) {
    CompletableFuture<R> result = call.result();
    Status.Code code = Status.fromThrowable(t).getCode();
    boolean transientFailure = code == Status.Code.UNAVAILABLE
        || (code == Status.Code.DEADLINE_EXCEEDED && !call.deadline().isExpired());
    if (!transientFailure || attemptNo >= call.maxAttempts() || closed) {
      result.completeExceptionally(Errors.translate(t));
      return;
    }
    long nominal = policy.nominalBackoffNanos(attemptNo);
    long backoff = nominal <= 0 ? 0 : ThreadLocalRandom.current().nextLong(nominal / 2, nominal + 1);
    if (call.deadline().timeRemaining(TimeUnit.NANOSECONDS) <= backoff) {
      result.completeExceptionally(Errors.translate(t));
      return;
    }
    if (log.isDebugEnabled()) {
      log.debug("{} attempt {} on {} failed with {}; retrying on {} in {} µs", call.op(), attemptNo,
          endpoints.get(index), code, endpoints.get(call.endpointOf(attemptNo + 1)), backoff / 1000);
    }
    try {
      scheduler.schedule(() -> runAttempt(call, attemptNo + 1), backoff, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(closedError());
    }
  }

  private static EdgeKvException closedError() {
    return new EdgeKvException(Status.Code.CANCELLED, "the client is closed", null);
  }
}
