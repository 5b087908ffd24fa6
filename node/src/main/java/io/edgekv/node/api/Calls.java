package io.edgekv.node.api;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

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

  /** Like {@link #unary(StreamObserver, Supplier, Consumer)} for a blocking body. */
  public static <T> void blocking(StreamObserver<T> observer, BlockingBody<T> body) {
    unary(observer, () -> {
      try {
        return CompletableFuture.completedFuture(body.get());
      } catch (java.io.IOException e) {
        throw new NodeUnavailableException(e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NodeUnavailableException("interrupted");
      }
    }, status -> {});
  }

  @FunctionalInterface
  public interface BlockingBody<T> {
    T get() throws java.io.IOException, InterruptedException;
  }
}
