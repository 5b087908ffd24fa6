package io.edgekv.client;

import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one logical unary call as up to {@link RetryPolicy#maxAttempts()} attempts, each on the
 * next endpoint round robin from the preferred one, all within the call's deadline.
 *
 * <p>The preferred endpoint is the one that last answered, so a client that failed over keeps
 * using the endpoint that works instead of paying a failed attempt on every call.
 */
final class FailoverCaller {

  private static final Logger log = LoggerFactory.getLogger(FailoverCaller.class);

  /** Starts one attempt of a call on {@code channel}; the request is fixed by the caller. */
  @FunctionalInterface
  interface Attempt<R> {
    void start(ManagedChannel channel, Deadline deadline, StreamObserver<R> observer);
  }

  private final List<Endpoint> endpoints;
  private final List<ManagedChannel> channels;
  private final RetryPolicy policy;
  private final Duration callDeadline;
  private final ScheduledExecutorService scheduler;
  private final AtomicInteger preferred = new AtomicInteger();
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  FailoverCaller(
      List<Endpoint> endpoints,
      List<ManagedChannel> channels,
      RetryPolicy policy,
      Duration callDeadline,
      ScheduledExecutorService scheduler) {
    this.endpoints = List.copyOf(endpoints);
    this.channels = List.copyOf(channels);
    this.policy = policy;
    this.callDeadline = callDeadline;
    this.scheduler = scheduler;
  }

  /** The endpoint the next call starts from. */
  Endpoint preferredEndpoint() {
    return endpoints.get(preferred.get());
  }

  <R> CompletableFuture<R> call(String op, Attempt<R> attempt) {
    CompletableFuture<R> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(closedError());
      return result;
    }
    pending.add(result);
    result.whenComplete((r, t) -> pending.remove(result));
    Deadline deadline = Deadline.after(callDeadline.toNanos(), TimeUnit.NANOSECONDS);
    runAttempt(op, attempt, 1, preferred.get(), deadline, result);
    return result;
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

  private <R> void runAttempt(
      String op, Attempt<R> attempt, int attemptNo, int index, Deadline callDeadline,
      CompletableFuture<R> result) {
    if (result.isDone()) {
      return; // cancelled by the caller, or failed by close()
    }
    if (closed) {
      result.completeExceptionally(closedError());
      return;
    }
    ManagedChannel channel = channels.get(index);
    if (attemptNo > 1 && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // gRPC's own reconnect backoff grows to minutes; this call's backoff already spaced the
      // attempts, so reconnect now rather than fail at once on a channel still backing off.
      channel.resetConnectBackoff();
    }
    Deadline attemptDeadline = policy.perAttemptTimeout()
        .map(t -> callDeadline.minimum(Deadline.after(t.toNanos(), TimeUnit.NANOSECONDS)))
        .orElse(callDeadline);
    StreamObserver<R> observer = new StreamObserver<>() {
      private R value;

      @Override
      public void onNext(R v) {
        value = v;
      }

      @Override
      public void onError(Throwable t) {
        onAttemptFailed(op, attempt, attemptNo, index, callDeadline, result, t);
      }

      @Override
      public void onCompleted() {
        preferred.set(index);
        if (value == null) {
          result.completeExceptionally(new EdgeKvException(
              Status.Code.INTERNAL, op + ": the server completed the call without a response", null));
        } else {
          result.complete(value);
        }
      }
    };
    try {
      attempt.start(channel, attemptDeadline, observer);
    } catch (RuntimeException e) {
      result.completeExceptionally(Errors.translate(e));
    }
  }

  private <R> void onAttemptFailed(
      String op, Attempt<R> attempt, int attemptNo, int index, Deadline callDeadline,
      CompletableFuture<R> result, Throwable t) {
    Status.Code code = Status.fromThrowable(t).getCode();
    boolean transientFailure = code == Status.Code.UNAVAILABLE
        || (code == Status.Code.DEADLINE_EXCEEDED && !callDeadline.isExpired());
    if (!transientFailure || attemptNo >= policy.maxAttempts() || closed) {
      result.completeExceptionally(Errors.translate(t));
      return;
    }
    long nominal = policy.nominalBackoffNanos(attemptNo);
    long backoff = nominal <= 0 ? 0 : ThreadLocalRandom.current().nextLong(nominal / 2, nominal + 1);
    if (callDeadline.timeRemaining(TimeUnit.NANOSECONDS) <= backoff) {
      result.completeExceptionally(Errors.translate(t));
      return;
    }
    int next = (index + 1) % endpoints.size();
    if (log.isDebugEnabled()) {
      log.debug("{} attempt {} on {} failed with {}; retrying on {} in {} µs",
          op, attemptNo, endpoints.get(index), code, endpoints.get(next), backoff / 1000);
    }
    try {
      scheduler.schedule(
          () -> runAttempt(op, attempt, attemptNo + 1, next, callDeadline, result),
          backoff, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(closedError());
    }
  }

  private static EdgeKvException closedError() {
    return new EdgeKvException(Status.Code.CANCELLED, "the client is closed", null);
  }
}
