package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.WatchEvent;
import io.edgekv.invalidation.InvalidationBus;
import io.edgekv.invalidation.Selector;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A node's open Watch streams: opens each one ({@link WatchStream}: subscription, replay from
 * the changelog, sending), asks them for WATCH_PROGRESS on their interval, and ends them all
 * while the node drains or stops. The node's gRPC service validates the request and hands it here.
 */
public final class WatchStreams {
  /** How often streams are asked whether a WATCH_PROGRESS is due (their interval's resolution). */
  private static final long PROGRESS_TICK_MILLIS = 50;

  /** What the streams report to the node: metrics, and the status that ends a stream after an error. */
  public interface Hooks {
    /** A live change reached a subscriber {@code nanos} after it was published to the bus. */
    void fanout(long nanos);

    /** A stream was sent a WATCH_RESET. */
    void reset();

    /** The status that ends a stream after {@code error} (the node's one error translator). */
    StatusRuntimeException statusOf(Throwable error);
  }

  private final ChangelogSource changelog;
  private final WatchNode node;
  private final InvalidationBus bus;
  private final Executor executor;
  private final Hooks hooks;
  private final LongSupplier nanoTime;
  private final Set<WatchStream> streams = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService progressTicker;
  /** Why new streams are refused (the node drains or stops); null while they are accepted. */
  private volatile RuntimeException refusing;

  /**
   * @param executor runs the streams' sending (never blocks on a subscriber)
   * @param nanoTime the clock of the bus's publication stamps (for fan-out latency)
   */
  public WatchStreams(ChangelogSource changelog, WatchNode node, InvalidationBus bus, Executor executor, Hooks hooks,
      LongSupplier nanoTime) {
    this.changelog = changelog;
    this.node = node;
    this.bus = bus;
    this.executor = executor;
    this.hooks = hooks;
    this.nanoTime = nanoTime;
    this.progressTicker = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "watch-progress-" + changelog.nodeId());
      thread.setDaemon(true);
      return thread;
    });
    progressTicker.scheduleWithFixedDelay(() -> {
      long now = nanoTime.getAsLong();
      for (WatchStream stream : streams) {
        stream.tick(now);
      }
    }, PROGRESS_TICK_MILLIS, PROGRESS_TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a stream of the changes {@code selector} matches, from {@code resume} (null: from
   * now), or ends it at once with the refusing status while the node drains.
   *
   * @param progressIntervalMillis 0 for no WATCH_PROGRESS events
   */
  public void open(ServerCallStreamObserver<WatchEvent> observer, Selector selector, WatchPosition resume,
      boolean includeValues, long progressIntervalMillis) {
    RuntimeException refused = refusing;
    if (refused != null) {
      observer.onError(hooks.statusOf(refused));
      return;
    }
    WatchStream stream = new WatchStream(observer, changelog, node, bus, selector, includeValues,
        progressIntervalMillis, executor, new WatchStream.Hooks() {
          @Override
          public void sent(long publishedAtNanos) {
            hooks.fanout(Math.max(0, nanoTime.getAsLong() - publishedAtNanos));
          }

          @Override
          public void reset() {
            hooks.reset();
          }

          @Override
          public StatusRuntimeException statusOf(Throwable error) {
            return hooks.statusOf(error);
          }

          @Override
          public void closed(WatchStream s) {
            streams.remove(s);
          }
        });
    streams.add(stream);
    try {
      stream.start(resume);
    } catch (RuntimeException e) {
      stream.fail(hooks.statusOf(e));
      return;
    }
    // A drain that began while the stream started: closeAll may have run before it was added.
    RuntimeException refusedNow = refusing;
    if (refusedNow != null) {
      stream.fail(hooks.statusOf(refusedNow));
    }
  }

  /**
   * Ends every open stream with the status of {@code reason} (the node drains or stops, so
   * subscribers resume on another node of the region) and refuses new ones with it until
   * {@link #accept}.
   */
  public void refuse(RuntimeException reason) {
    refusing = reason;
    for (WatchStream stream : List.copyOf(streams)) {
      stream.fail(hooks.statusOf(reason));
    }
  }

  /** Accepts streams again (after an undrain). */
  public void accept() {
    refusing = null;
  }

  public int openStreams() {
    return streams.size();
  }

  /** Stops the progress ticker and ends every stream as {@link #refuse} does. */
  public void close(RuntimeException reason) {
    progressTicker.shutdownNow();
    refuse(reason);
  }
}
