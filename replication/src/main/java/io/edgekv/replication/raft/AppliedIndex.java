package io.edgekv.replication.raft;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;

/**
 * The applied Raft index of one replica, with futures that complete once it reaches a target
 * (reads that must see a session's writes wait on it without polling). Every wait has a
 * deadline, and a waiter is forgotten when it completes, whichever way: a target that is never
 * reached (a forged or stale session token) costs nothing after its deadline.
 */
public final class AppliedIndex {
  private final AtomicLong value = new AtomicLong();
  private final ConcurrentSkipListMap<Long, CopyOnWriteArrayList<CompletableFuture<Long>>> waiters =
      new ConcurrentSkipListMap<>();

  public long get() {
    return value.get();
  }

  void advanceTo(long index) {
    value.accumulateAndGet(index, Math::max);
    Map<Long, CopyOnWriteArrayList<CompletableFuture<Long>>> reached = waiters.headMap(index, true);
    for (var it = reached.entrySet().iterator(); it.hasNext(); ) {
      var waiting = it.next().getValue();
      it.remove();
      waiting.forEach(f -> f.complete(index));
    }
  }

  /**
   * Completes with the applied index once it is at least {@code target}, or, at the timeout, with
   * the (lower) applied index then: the caller compares the result with its target.
   */
  public CompletableFuture<Long> await(long target, long timeout, TimeUnit unit) {
    if (value.get() >= target) {
      return CompletableFuture.completedFuture(value.get());
    }
    CompletableFuture<Long> future = new CompletableFuture<>();
    waiters.computeIfAbsent(target, t -> new CopyOnWriteArrayList<>()).add(future);
    // One stage: the caller sees the answer only after the waiter is forgotten.
    CompletableFuture<Long> answer = future.handle((index, error) -> {
      forget(target, future);
      return index == null || index < 0 ? value.get() : index;
    });
    future.completeOnTimeout(-1L, timeout, unit);
    long now = value.get();
    if (now >= target) {
      advanceTo(now);
    }
    return answer;
  }

  private void forget(long target, CompletableFuture<Long> future) {
    waiters.computeIfPresent(target, (t, list) -> {
      list.remove(future);
      return list.isEmpty() ? null : list;
    });
  }

  /** Futures currently waiting (bounded by the waits' deadlines). */
  public int waiting() {
    return waiters.values().stream().mapToInt(List::size).sum();
  }

  void close() {
    waiters.values().forEach(list -> list.forEach(f -> f.cancel(false)));
    waiters.clear();
  }
}
