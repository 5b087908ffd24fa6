package io.edgekv.replication.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Batches one shard's rounds of a question whose answer must postdate the read that asks it: the
 * leader's term confirmations ({@link TermQuorum}) and whole read indexes. At most
 * {@code maxInFlight} rounds are in flight; a read that arrives while that many are shares the
 * next round, which starts when one of them ends (etcd's linearizable read loop, for one in
 * flight). A read never joins a round that started before it arrived: that round's answers
 * could predate the read. The futures handed out are shared: a caller that bounds its wait must
 * do so on a {@code copy()}.
 *
 * <p>More than one in flight shortens the wait where rounds nest (a follower's shared question
 * to the leader waits for a round on the leader): a read waits for one round, not for the end
 * of the one in flight and then its own.
 */
final class SharedRounds<T> {
  private final Supplier<CompletableFuture<T>> round;
  private final int maxInFlight;
  private final Executor following;
  private int running;
  private CompletableFuture<T> queued;

  /** One round in flight at a time; queued rounds start on {@code following}. */
  SharedRounds(Supplier<CompletableFuture<T>> round, Executor following) {
    this(round, 1, following);
  }

  /**
   * @param round starts one round; completes with its answer
   * @param following where a queued round starts when one ends. Never the thread that completed
   *     the round: a Ratis read index completes on the state machine's apply thread, and starting
   *     the next round there blocks apply while that round waits for apply (a deadlock the
   *     in-process chaos test found).
   */
  SharedRounds(Supplier<CompletableFuture<T>> round, int maxInFlight, Executor following) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
    }
    this.round = round;
    this.maxInFlight = maxInFlight;
    this.following = following;
  }

  /** A round that starts now or, while the most are in flight, when one ends: completes with its answer. */
  CompletableFuture<T> next() {
    CompletableFuture<T> mine;
    synchronized (this) {
      if (queued != null) {
        return queued;
      }
      if (running >= maxInFlight) {
        queued = new CompletableFuture<>();
        return queued;
      }
      running++;
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
      CompletableFuture<T> next;
      synchronized (this) {
        next = queued;
        queued = null;
        if (next == null) {
          running--;
        }
      }
      if (error != null) {
        out.completeExceptionally(error);
      } else {
        out.complete(answer);
      }
      if (next != null) {
        following.execute(() -> start(next));
      }
    });
  }
}
