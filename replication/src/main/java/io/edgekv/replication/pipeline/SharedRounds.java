package io.edgekv.replication.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Batches one shard's rounds of a question whose answer must postdate the read that asks it: the
 * leader's term confirmations ({@link TermQuorum}) and whole read indexes. At most one round is
 * in flight, and every read that arrives meanwhile shares the next round, which starts when the
 * current one ends (etcd's linearizable read loop). A read never joins a round that started
 * before it arrived: that round's answers could predate the read. The futures handed out are
 * shared: a caller that bounds its wait must do so on a {@code copy()}.
 */
final class SharedRounds<T> {
  private final Supplier<CompletableFuture<T>> round;
  private boolean running;
  private CompletableFuture<T> queued;

  /** @param round starts one round; completes with its answer */
  SharedRounds(Supplier<CompletableFuture<T>> round) {
    this.round = round;
  }

  /** A round that starts now or, while one is in flight, right after it: completes with its answer. */
  CompletableFuture<T> next() {
    CompletableFuture<T> mine;
    synchronized (this) {
      if (running) {
        if (queued == null) {
          queued = new CompletableFuture<>();
        }
        return queued;
      }
      running = true;
      mine = new CompletableFuture<>();
    }
    start(mine);
    return mine;
  }

  private void start(CompletableFuture<T> out) {
    CompletableFuture<T> started;
    try {
      started = round.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete((answer, error) -> {
      CompletableFuture<T> following;
      synchronized (this) {
        following = queued;
        queued = null;
        running = following != null;
      }
      if (error != null) {
        out.completeExceptionally(error);
      } else {
        out.complete(answer);
      }
      if (following != null) {
        start(following);
      }
    });
  }
}
