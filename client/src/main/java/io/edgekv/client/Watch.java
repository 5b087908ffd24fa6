package io.edgekv.client;

import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.api.v1.WatchEvent;
import io.edgekv.api.v1.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A live subscription to changes ({@code InvalidationService.Watch}) that survives broken
 * streams: when a stream fails with a transient status it reconnects to the next endpoint
 * (endpoints of one region: the position is regional) and resumes from the last position it
 * delivered, so nothing is lost unless the server sends a RESET ({@link WatchListener#onReset}).
 * Publishes are deduplicated by publish id (the last 10,000 ids).
 *
 * <p>Thread-safe. {@link #close()} stops it; no callback starts after close returns.
 */
public final class Watch implements AutoCloseable {
  private static final int PUBLISH_IDS_KEPT = 10_000;

  private final List<ManagedChannel> channels;
  private final String namespace;
  private final WatchOptions options;
  private final WatchListener listener;
  private final ScheduledExecutorService scheduler;
  private final CompletableFuture<ServedBy> created = new CompletableFuture<>();
  private final Map<String, Boolean> publishIds = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > PUBLISH_IDS_KEPT;
    }
  };
  private volatile String position;
  private volatile boolean live;
  private volatile boolean closed;
  private int endpoint;
  private long backoffMillis;
  private ClientCallStreamObserver<WatchRequest> call;

  Watch(List<ManagedChannel> channels, String namespace, WatchOptions options, WatchListener listener,
      ScheduledExecutorService scheduler) {
    this.channels = channels;
    this.namespace = namespace;
    this.options = options;
    this.listener = listener;
    this.scheduler = scheduler;
    this.position = options.resumeFrom();
  }

  synchronized void connect() {
    if (closed) {
      return;
    }
    WatchRequest.Builder request = WatchRequest.newBuilder().setNamespace(namespace)
        .addAllKeys(options.keys()).addAllPrefixes(options.prefixes()).addAllTags(options.tags())
        .addAllTopics(options.topics()).setIncludeValues(options.includeValues())
        .setProgressIntervalMs((int) options.progressInterval().toMillis());
    String from = position;
    if (from != null) {
      request.setResumePosition(from);
    }
    InvalidationServiceGrpc.newStub(channels.get(endpoint)).watch(request.build(), new Observer(from != null));
  }

  /** The position after the last event delivered (or where the stream started), to resume from later. */
  public String position() {
    return position;
  }

  /** True while a stream is confirmed by the server; false while reconnecting. */
  public boolean isLive() {
    return live;
  }

  /**
   * Waits until the server confirmed the first subscription.
   *
   * @return the node serving it
   * @throws EdgeKvException {@code DEADLINE_EXCEEDED} if it did not within {@code timeout}, or
   *     the error that ended the watch
   */
  public ServedBy awaitWatching(Duration timeout) {
    try {
      return created.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new EdgeKvException(Status.Code.DEADLINE_EXCEEDED,
          "no confirmed subscription within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EdgeKvException(Status.Code.CANCELLED, "interrupted", e);
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  /** Stops the watch and cancels its stream. Idempotent. */
  @Override
  public void close() {
    ClientCallStreamObserver<WatchRequest> current;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      live = false;
      current = call;
    }
    if (current != null) {
      current.cancel("watch closed", null);
    }
    created.completeExceptionally(new EdgeKvException(Status.Code.CANCELLED, "watch closed", null));
  }

  private static boolean retriable(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED, FAILED_PRECONDITION, NOT_FOUND,
          OUT_OF_RANGE, ALREADY_EXISTS -> false;
      default -> true;
    };
  }

  private final class Observer implements ClientResponseObserver<WatchRequest, WatchEvent> {
    private final boolean resuming;

    Observer(boolean resuming) {
      this.resuming = resuming;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      synchronized (Watch.this) {
        call = requestStream;
      }
    }

    @Override
    public void onNext(WatchEvent event) {
      if (closed) {
        return;
      }
      switch (event.getType()) {
        case WATCH_CREATED -> {
          position = event.getPosition();
          live = true;
          synchronized (Watch.this) {
            backoffMillis = 0;
          }
          ServedBy servedBy = Protos.servedBy(event.getServedBy());
          listener.onWatching(servedBy, event.getPosition(), resuming);
          created.complete(servedBy);
        }
        case WATCH_RESET -> {
          position = event.getPosition();
          listener.onReset(event.getReason());
        }
        case WATCH_CHANGE -> {
          InvalidationEvent change = InvalidationEvent.of(event);
          boolean duplicate = false;
          if (change.kind() == InvalidationEvent.Kind.PUBLISH && !change.publishId().isEmpty()) {
            synchronized (publishIds) {
              duplicate = publishIds.put(change.publishId(), Boolean.TRUE) != null;
            }
          }
          if (!duplicate) {
            listener.onEvent(change);
          }
          position = event.getPosition();
        }
        case WATCH_PROGRESS -> {
          position = event.getPosition();
          listener.onProgress(Duration.ofMillis(event.getStalenessMs()));
        }
        default -> { }
      }
    }

    @Override
    public void onError(Throwable t) {
      ended(Errors.translate(t));
    }

    @Override
    public void onCompleted() {
      ended(new EdgeKvException(Status.Code.UNAVAILABLE, "the server ended the watch stream", null));
    }

    private void ended(EdgeKvException cause) {
      live = false;
      if (closed) {
        return;
      }
      boolean retry = retriable(cause.code());
      listener.onDisconnected(cause, retry);
      if (!retry) {
        closed = true;
        created.completeExceptionally(cause);
        return;
      }
      long delay;
      synchronized (Watch.this) {
        endpoint = (endpoint + 1) % channels.size();
        backoffMillis = backoffMillis == 0 ? 25 : Math.min(backoffMillis * 2, options.maxReconnectBackoff().toMillis());
        delay = backoffMillis;
      }
      try {
        scheduler.schedule(Watch.this::connect, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        closed = true;
      }
    }
  }
}
