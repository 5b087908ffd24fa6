package io.edgekv.client;

import io.grpc.Status;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gets through one {@link EdgeKvClient} that are coalesced into {@code BatchGet} calls when many
 * are in flight: what pipelining gives a Redis client. While fewer than {@code maxCalls} calls
 * are outstanding a get goes out at once, alone (no added latency at low load); beyond that, gets
 * wait in a queue, and each call that completes sends everything queued (up to {@code
 * maxBatchKeys} keys, a key asked twice once) as one {@code BatchGet}. There is no timer: the
 * batch is whatever arrived while the previous calls were on the wire.
 *
 * <p>Each get sees what a {@link EdgeKvClient#getAsync(byte[], ReadOptions)} with the same
 * options would: a batch is read from one consistent view of one node after every get in it was
 * issued (for {@link Consistency#STRONG}, one read index serves the whole batch, which is
 * linearizable for each get: the index is taken after each get began and before it ends). A
 * failed batch fails each of its gets with the batch's error.
 *
 * <p>Bounded: at most {@code maxCalls} batches of {@code maxBatchKeys} keys outstanding, and at
 * most {@code maxQueuedKeys} gets waiting; a get beyond that fails at once with {@code
 * RESOURCE_EXHAUSTED}. Thread-safe.
 */
public final class CoalescingReader {
  private final EdgeKvClient client;
  private final ReadOptions options;
  private final int maxCalls;
  private final int maxBatchKeys;
  private final int maxQueuedKeys;
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
  private int outstanding;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong batchedKeys = new AtomicLong();

  private record Waiting(byte[] key, CompletableFuture<GetResult> result) {}

  /**
   * @param client the client whose gets are coalesced (its channel, failover and deadline apply)
   * @param options the read options of every get through this reader
   * @param maxCalls calls (gets or batches) outstanding before gets start to queue; at least 1
   * @param maxBatchKeys keys in one {@code BatchGet}; 1 to 1000 (the server's limit)
   * @param maxQueuedKeys gets waiting at most; at least {@code maxBatchKeys}
   * @throws IllegalArgumentException naming the parameter out of range
   */
  public CoalescingReader(EdgeKvClient client, ReadOptions options, int maxCalls, int maxBatchKeys, int maxQueuedKeys) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
    if (maxCalls < 1) {
      throw new IllegalArgumentException("maxCalls must be at least 1, got " + maxCalls);
    }
    if (maxBatchKeys < 1 || maxBatchKeys > 1000) {
      throw new IllegalArgumentException("maxBatchKeys must be between 1 and 1000, got " + maxBatchKeys);
    }
    if (maxQueuedKeys < maxBatchKeys) {
      throw new IllegalArgumentException("maxQueuedKeys must be at least maxBatchKeys, got " + maxQueuedKeys);
    }
    this.maxCalls = maxCalls;
    this.maxBatchKeys = maxBatchKeys;
    this.maxQueuedKeys = maxQueuedKeys;
  }

  /** A reader with 2 calls outstanding, 256-key batches and up to 4096 gets waiting. */
  public static CoalescingReader of(EdgeKvClient client, ReadOptions options) {
    return new CoalescingReader(client, options, 2, 256, 4096);
  }

  /**
   * Gets {@code key}, alone or in a batch with other gets in flight.
   *
   * @return completes with the result, or exceptionally with an {@link EdgeKvException}
   * @throws NullPointerException if {@code key} is null
   */
  public CompletableFuture<GetResult> get(byte[] key) {
    Objects.requireNonNull(key, "key");
    CompletableFuture<GetResult> result = new CompletableFuture<>();
    boolean alone;
    synchronized (this) {
      alone = outstanding < maxCalls;
      if (alone) {
        outstanding++;
      } else if (queue.size() >= maxQueuedKeys) {
        return CompletableFuture.failedFuture(new EdgeKvException(Status.Code.RESOURCE_EXHAUSTED,
            "coalescing reader: " + maxQueuedKeys + " gets already waiting (maxQueuedKeys)", null));
      } else {
        queue.add(new Waiting(key.clone(), result));
      }
    }
    if (alone) {
      calls.incrementAndGet();
      batchedKeys.incrementAndGet();
      client.getAsync(key, options).whenComplete((r, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        } else {
          result.complete(r);
        }
        callEnded();
      });
    }
    return result;
  }

  /** A call ended: send what queued meanwhile, if anything, in its place. */
  private void callEnded() {
    List<Waiting> batch;
    synchronized (this) {
      if (queue.isEmpty()) {
        outstanding--;
        return;
      }
      batch = new ArrayList<>(Math.min(queue.size(), maxBatchKeys));
      Map<ByteBuffer, Boolean> distinct = new LinkedHashMap<>();
      while (!queue.isEmpty()) {
        Waiting next = queue.peek();
        ByteBuffer k = ByteBuffer.wrap(next.key());
        if (!distinct.containsKey(k) && distinct.size() == maxBatchKeys) {
          break;
        }
        distinct.put(k, Boolean.TRUE);
        batch.add(queue.poll());
      }
    }
    send(batch);
  }

  private void send(List<Waiting> batch) {
    Map<ByteBuffer, List<CompletableFuture<GetResult>>> byKey = new LinkedHashMap<>();
    for (Waiting w : batch) {
      byKey.computeIfAbsent(ByteBuffer.wrap(w.key()), k -> new ArrayList<>()).add(w.result());
    }
    List<byte[]> keys = new ArrayList<>(byKey.size());
    byKey.keySet().forEach(k -> keys.add(k.array()));
    calls.incrementAndGet();
    batchedKeys.addAndGet(keys.size());
    CompletableFuture<List<GetResult>> call;
    try {
      call = client.batchGetAsync(keys, options);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((results, e) -> {
      int i = 0;
      for (List<CompletableFuture<GetResult>> waiting : byKey.values()) {
        for (CompletableFuture<GetResult> f : waiting) {
          if (e != null) {
            f.completeExceptionally(e);
          } else {
            f.complete(results.get(i));
          }
        }
        i++;
      }
      callEnded();
    });
  }

  /** Calls sent so far (single gets and batches). */
  public long calls() {
    return calls.get();
  }

  /** Distinct keys sent so far over all calls. */
  public long keysSent() {
    return batchedKeys.get();
  }
}
