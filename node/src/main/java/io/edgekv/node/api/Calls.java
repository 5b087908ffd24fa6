package io.edgekv.node.api;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.edgekv.replication.pipeline.Deadline;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import io.grpc.Context;
import java.io.IOException;

/** Completes a unary call from a future; every failure goes through {@link Errors}. */
public final class Calls {
  private Calls() {}

  /**
   * Runs {@code body} and answers {@code observer} with its result or translated failure, then
   * reports the final status code name ("OK" or the gRPC code) to {@code onDone}.
   */
  public static <T> void unary(StreamObserver<T> observer, Supplier<CompletableFuture<T>> body, Consumer<String> onDone) {
    CompletableFuture<T> future;
    try {
      future = body.get();
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    future.whenComplete((response, error) -> {
      if (error != null) {
        StatusRuntimeException translated = Errors.toStatus(error);
        observer.onError(translated);
        onDone.accept(translated.getStatus().getCode().name());
      } else {
        observer.onNext(response);
        observer.onCompleted();
        onDone.accept("OK");
      }
    });
  }

  /** How long a request without a deadline of its own may take. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** The longest wait a client's deadline may ask for. */
  public static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The deadline of the current gRPC call (read on the thread that runs the handler): the
   * client's own, at most {@link #MAX_TIMEOUT}, or {@link #DEFAULT_TIMEOUT} when it set none.
   */
  public static Deadline deadline() {
    io.grpc.Deadline client = Context.current().getDeadline();
    if (client == null) {
      return Deadline.after(DEFAULT_TIMEOUT);
    }
    long remaining = Math.min(client.timeRemaining(TimeUnit.NANOSECONDS), MAX_TIMEOUT.toNanos());
    return new Deadline(System.nanoTime() + Math.max(0, remaining));
  }

  /** Like {@link #unary(StreamObserver, Supplier, Consumer)} for a blocking body. */
  public static <T> void blocking(StreamObserver<T> observer, BlockingBody<T> body) {
    unary(observer, () -> {
      try {
        return CompletableFuture.completedFuture(body.get());
      } catch (IOException e) {
        throw new NodeUnavailableException(e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NodeUnavailableException("interrupted");
      }
    }, status -> {});
  }

  @FunctionalInterface
  public interface BlockingBody<T> {
    T get() throws IOException, InterruptedException;
  }
}
