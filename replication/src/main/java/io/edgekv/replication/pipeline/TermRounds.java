package io.edgekv.replication.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Batches the leader's term confirmations ({@link TermQuorum}) of one shard: at most one round of
 * questions to the members is in flight, and every read that arrives meanwhile shares the next
 * round, which starts when the current one ends (etcd's linearizable read loop). A read never
 * joins a round that started before it arrived: that round's answers could predate the read.
 */
final class TermRounds {
  private final Supplier<CompletableFuture<Long>> round;
  private boolean running;
  private CompletableFuture<Long> queued;

  /** @param round starts one round; completes with the term it confirmed */
  TermRounds(Supplier<CompletableFuture<Long>> round) {
    this.round = round;
  }

  /** A round that starts now or, while one is in flight, right after it: completes with its term. */
  CompletableFuture<Long> next() {
    CompletableFuture<Long> mine;
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

  private void start(CompletableFuture<Long> out) {
    CompletableFuture<Long> started;
    try {
      started = round.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete((term, error) -> {
      CompletableFuture<Long> following;
      synchronized (this) {
        following = queued;
        queued = null;
        running = following != null;
      }
      if (error != null) {
        out.completeExceptionally(error);
      } else {
        out.complete(term);
      }
      if (following != null) {
        start(following);
      }
    });
  }
}
