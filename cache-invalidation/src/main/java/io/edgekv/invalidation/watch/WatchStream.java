package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.api.v1.WatchEvent;
import io.edgekv.api.v1.WatchEventType;
import io.edgekv.invalidation.BufferLimits;
import io.edgekv.invalidation.InvalidationBus;
import io.edgekv.invalidation.Selector;
import io.edgekv.invalidation.Subscription;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Watch stream: a bus subscription, the replay that joins it to the subscriber's position,
 * and the sender that drains the subscription while the transport can take more.
 *
 * <p>Gap-free join: the subscription is opened <em>before</em> the changelog is read and the
 * applied index sampled. A change is in the changelog before the applied index advances, and
 * the applied index advances before the change reaches the bus ({@link ChangelogSource}'s
 * contract; the store writes both in one batch); so every
 * change is either read by the replay (or reflected in the sampled position) or buffered by
 * the subscription, and buffered duplicates are dropped by index ({@link #floor}).
 *
 * <p>Slow subscribers: the sender takes one change at a time, and only while gRPC reports the
 * stream ready (a message sent to a stream that is not ready would be queued inside gRPC and
 * Netty without bound); otherwise changes pile up in the subscription's buffer, bounded in
 * events and bytes per stream and in bytes per node ({@link BufferLimits}), which, when full,
 * is dropped and turns into one {@code WATCH_RESET} naming the limit. The replay that joins a
 * resumed stream is bounded the same way and charged to the node's budget. Apply never waits
 * for a subscriber.
 *
 * <p>Memory per stream is therefore the subscription's buffer, the replay, and at most one
 * message (with its value, for {@code include_values}) beyond gRPC's ready threshold.
 *
 * <p>Positions of events: a change at index {@code i} carries a position whose shard index is
 * {@code i - 1} ("everything before i seen"): one index may hold several changes (a
 * transaction, an expiry sweep), so resuming from an event replays the rest of its index,
 * possibly again (delivery is at least once).
 */
final class WatchStream {
  private final ServerCallStreamObserver<WatchEvent> observer;
  private final ChangelogSource changelog;
  private final WatchNode node;
  private final InvalidationBus bus;
  private final Selector selector;
  private final boolean includeValues;
  private final Executor executor;
  private final Hooks hooks;
  private final AtomicBoolean draining = new AtomicBoolean();
  /** Nanoseconds between WATCH_PROGRESS events; 0 = none asked for. */
  private final long progressIntervalNanos;
  private volatile boolean progressDue;
  /** When the last WATCH_PROGRESS was asked for (the service's ticker thread only). */
  private long lastProgressNanos;
  private Subscription subscription;
  /** Changes read from the changelog to fill the gap before live ones; their bytes are reserved. */
  private final ArrayDeque<ChangeEvent> replay = new ArrayDeque<>();
  private long replayBytes;
  /** Per shard: changes at or below this index were replayed or are covered by the start position. */
  private long[] floor;
  private WatchPosition position;
  private boolean closed;

  /** What the stream reports to its registry: metrics, failures to translate, and its end. */
  interface Hooks {
    void sent(long publishedAtNanos);

    void reset();

    /** The status that ends the stream after {@code error} (the node's one error translator). */
    StatusRuntimeException statusOf(Throwable error);

    void closed(WatchStream stream);
  }

  WatchStream(ServerCallStreamObserver<WatchEvent> observer, ChangelogSource changelog, WatchNode node,
      InvalidationBus bus, Selector selector, boolean includeValues, long progressIntervalMillis, Executor executor,
      Hooks hooks) {
    this.progressIntervalNanos = TimeUnit.MILLISECONDS.toNanos(progressIntervalMillis);
    this.observer = observer;
    this.changelog = changelog;
    this.node = node;
    this.bus = bus;
    this.selector = selector;
    this.includeValues = includeValues;
    this.executor = executor;
    this.hooks = hooks;
  }

  /** Subscribes, joins the resume position (replay or reset), and starts sending live changes. */
  void start(WatchPosition resume) {
    observer.setOnCancelHandler(this::cancelled);
    BufferLimits limits = bus.limits();
    synchronized (this) {
      subscription = bus.subscribe(selector);
      WatchPosition now = WatchPosition.current(changelog);
      String resetReason = null;
      if (resume == null) {
        position = now;
        floor = now.indexes();
      } else if (!resume.region().equals(changelog.region())) {
        resetReason = "position is from region " + resume.region() + ", this node is in region " + changelog.region();
      } else if (resume.shards() != changelog.shards()) {
        resetReason = "position has " + resume.shards() + " shards, region " + changelog.region() + " has "
            + changelog.shards();
      } else {
        ChangelogReplay.Result result = ChangelogReplay.read(changelog, selector, resume, limits.streamEvents(),
            limits.streamBytes());
        if (result == null) {
          resetReason = "position is older than this node's changelog holds (or the gap exceeds "
              + limits.streamEvents() + " changes or " + limits.streamBytes()
              + " bytes: invalidation.streamBufferEvents, invalidation.streamBufferBytes)";
        } else if (!bus.budget().tryReserve(result.bytes())) {
          resetReason = "this node's Watch buffers are full (invalidation.nodeBufferBytes, " + limits.nodeBytes()
              + " bytes): the gap since the position is not replayed";
        } else {
          replay.addAll(result.events());
          replayBytes = result.bytes();
          floor = new long[changelog.shards()];
          for (int shard = 0; shard < floor.length; shard++) {
            floor[shard] = Math.max(result.readUpTo()[shard], resume.index(shard));
          }
          position = resume;
        }
      }
      if (resetReason != null) {
        position = now;
        floor = now.indexes();
      }
      send(WatchEvent.newBuilder().setType(WatchEventType.WATCH_CREATED).setPosition(position.encode())
          .setServedBy(node.servedBy()).build());
      if (resetReason != null) {
        sendReset(resetReason);
      }
    }
    observer.setOnReadyHandler(this::schedule);
    subscription.onAvailable(this::schedule);
    schedule();
  }

  private void schedule() {
    if (draining.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        draining.set(false); // the node is stopping; close() ends the stream
      }
    }
  }

  /**
   * Called periodically by the service: asks for a WATCH_PROGRESS event once the stream's
   * interval has passed since the last one.
   */
  void tick(long nowNanos) {
    if (progressIntervalNanos > 0 && !progressDue && nowNanos - lastProgressNanos >= progressIntervalNanos) {
      lastProgressNanos = nowNanos;
      progressDue = true;
      schedule();
    }
  }

  private void drain() {
    try {
      synchronized (this) {
        // Sampled before draining: every change applied by then was offered to the subscription
        // by then (the bus is fed on the apply thread), so the drain below sends it first.
        boolean progress = progressDue;
        long staleness = progress ? node.stalenessMillis() : -1;
        while (!closed && observer.isReady()) {
          ChangeEvent replayed = replay.poll();
          if (replayed != null) {
            long bytes = BufferLimits.footprint(replayed);
            replayBytes -= bytes;
            bus.budget().release(bytes);
            sendChange(replayed, -1);
            continue;
          }
          // One at a time: what is not sent yet stays in the subscription, counted and bounded.
          Subscription.Batch batch = subscription.drain(1);
          if (batch.reset()) {
            // Sampled after the drain: changes at or below it are in the state the subscriber
            // reads next; later ones are buffered again.
            WatchPosition now = WatchPosition.current(changelog);
            position = now;
            floor = now.indexes();
            sendReset(overrunReason(batch.overrun()));
            continue;
          }
          if (batch.events().isEmpty()) {
            break;
          }
          for (int i = 0; i < batch.events().size(); i++) {
            ChangeEvent event = batch.events().get(i);
            if (event.getIndex() > floor[event.getShard()]) {
              sendChange(event, batch.publishedAtNanos().get(i));
            }
          }
        }
        if (progress && !closed && observer.isReady() && replay.isEmpty() && !subscription.hasPending()) {
          progressDue = false;
          if (staleness >= 0) {
            send(WatchEvent.newBuilder().setType(WatchEventType.WATCH_PROGRESS).setPosition(position.encode())
                .setStalenessMs(staleness).build());
          }
        }
      }
    } catch (RuntimeException e) {
      fail(hooks.statusOf(e));
    } finally {
      draining.set(false);
    }
    boolean more;
    synchronized (this) {
      more = !closed && observer.isReady() && (!replay.isEmpty() || subscription.hasPending() || progressDue);
    }
    if (more) {
      schedule();
    }
  }

  private void sendChange(ChangeEvent event, long publishedAtNanos) {
    int shard = event.getShard();
    if (shard >= position.shards()) {
      return;
    }
    long before = event.getIndex() - 1;
    if (before > position.index(shard)) {
      position = position.with(shard, before);
    }
    WatchEvent.Builder out = WatchEvent.newBuilder().setType(WatchEventType.WATCH_CHANGE).setChange(event)
        .setPosition(position.encode());
    if (includeValues && event.getKind() == ChangeKind.PUT) {
      changelog.entryWritten(event).ifPresent(out::setEntry);
    }
    send(out.build());
    if (publishedAtNanos >= 0) {
      hooks.sent(publishedAtNanos);
    }
  }

  private String overrunReason(Subscription.Overrun overrun) {
    BufferLimits limits = bus.limits();
    return switch (overrun) {
      case STREAM_EVENTS -> "this subscriber fell more than " + limits.streamEvents()
          + " changes behind (invalidation.streamBufferEvents)";
      case STREAM_BYTES -> "this subscriber fell more than " + limits.streamBytes()
          + " bytes of changes behind (invalidation.streamBufferBytes)";
      case NODE_BYTES -> "this node's Watch buffers were full (invalidation.nodeBufferBytes, " + limits.nodeBytes()
          + " bytes) and this subscriber was the furthest behind";
    };
  }

  private void sendReset(String reason) {
    hooks.reset();
    send(WatchEvent.newBuilder().setType(WatchEventType.WATCH_RESET).setReason(reason)
        .setPosition(position.encode()).setServedBy(node.servedBy()).build());
  }

  private void send(WatchEvent event) {
    if (!closed) {
      observer.onNext(event);
    }
  }

  /** Ends the stream with {@code status} (e.g. UNAVAILABLE when the node drains). */
  void fail(StatusRuntimeException status) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        observer.onError(status);
      } catch (RuntimeException ignored) {
        // already cancelled by the client
      }
    }
    release();
  }

  private void cancelled() {
    synchronized (this) {
      closed = true;
    }
    release();
  }

  private void release() {
    synchronized (this) {
      bus.budget().release(replayBytes);
      replayBytes = 0;
      replay.clear();
    }
    if (subscription != null) {
      subscription.close();
    }
    hooks.closed(this);
  }
}
