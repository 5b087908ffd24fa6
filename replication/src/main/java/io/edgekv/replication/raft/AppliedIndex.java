package io.edgekv.replication.raft;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The applied Raft index of one replica, with futures that complete once it reaches a target
 * (reads that must see a session's writes wait on it without polling).
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

  /** Completes once the applied index is at least {@code target}; the caller bounds the wait. */
  public CompletableFuture<Long> await(long target) {
    CompletableFuture<Long> future = new CompletableFuture<>();
    waiters.computeIfAbsent(target, t -> new CopyOnWriteArrayList<>()).add(future);
    long now = value.get();
    if (now >= target) {
      advanceTo(now);
    }
    return future;
  }

  void close() {
    waiters.values().forEach(list -> list.forEach(f -> f.cancel(false)));
    waiters.clear();
  }
}
