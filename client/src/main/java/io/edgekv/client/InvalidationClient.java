package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.api.v1.PublishRequest;
import io.edgekv.api.v1.PublishResponse;
import io.edgekv.api.v1.PurgeRequest;
import io.edgekv.api.v1.PurgeResponse;
import io.edgekv.api.v1.PurgeStatusRequest;
import io.edgekv.api.v1.PurgeStatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The invalidation API ({@code edgekv.v1.InvalidationService}) for one namespace: watch changes,
 * purge by key, prefix or tag, publish application invalidations, and ask when a purge was
 * applied in each region. Created from an {@link EdgeKvClient} (same endpoints, namespace and
 * deadline) with its own channels, so that long-lived Watch streams do not share a connection
 * with the latency-sensitive reads.
 *
 * <p>Unary calls try the endpoints in order, moving on when one is unavailable, within the
 * client's deadline; they throw {@link EdgeKvException}. A purge carries a request id, so a
 * retry is applied once and returns the same purge id.
 *
 * <p>Thread-safe. Close it to stop its watches and channels.
 */
public final class InvalidationClient implements AutoCloseable {
  private final List<Endpoint> endpoints;
  private final List<ManagedChannel> channels;
  private final String namespace;
  private final Duration deadline;
  private final ScheduledExecutorService scheduler;
  private final List<Watch> watches = new CopyOnWriteArrayList<>();

  private InvalidationClient(List<String> endpoints, String namespace, Duration deadline,
      Function<Endpoint, ManagedChannel> channelFactory) {
    this.endpoints = endpoints.stream().map(e -> Endpoint.parse("endpoints", e)).toList();
    this.channels = this.endpoints.stream().map(channelFactory).toList();
    this.namespace = namespace;
    this.deadline = deadline;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "edgekv-invalidation");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * An invalidation client for the endpoints, namespace and deadline of {@code client}; its
   * listeners run on {@code client}'s executor, if it was given one.
   */
  public static InvalidationClient of(EdgeKvClient client) {
    return new InvalidationClient(client.endpoints(), client.namespace(), client.deadline(),
        endpoint -> Channels.open(endpoint, client.executor()));
  }

  /** For tests: channels from a factory (e.g. in-process). */
  static InvalidationClient of(EdgeKvClient client, Function<Endpoint, ManagedChannel> channelFactory) {
    return new InvalidationClient(client.endpoints(), client.namespace(), client.deadline(), channelFactory);
  }

  public String namespace() {
    return namespace;
  }

  /**
   * Starts watching; the returned watch reconnects and resumes by itself. Use {@link
   * Watch#awaitWatching} to wait for the server's confirmation.
   */
  public Watch watch(WatchOptions options, WatchListener listener) {
    Watch watch = new Watch(channels, namespace, Objects.requireNonNull(options, "options"),
        Objects.requireNonNull(listener, "listener"), scheduler);
    watches.add(watch);
    watch.connect();
    return watch;
  }

  /** Purges one key everywhere (hard). */
  public PurgeResult purgeKey(String key) {
    return purge(PurgeRequest.newBuilder().setKey(utf8(key, "key")), false);
  }

  /**
   * Purges in every region: exactly one of {@code key}, {@code prefix} or {@code tag} must be
   * non-null. A soft purge marks entries stale (still served, flagged) instead of removing them.
   *
   * @throws IllegalArgumentException if not exactly one selector is given
   */
  public PurgeResult purge(byte[] key, byte[] prefix, String tag, boolean soft) {
    int given = (key != null ? 1 : 0) + (prefix != null ? 1 : 0) + (tag != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException("purge: exactly one of key, prefix or tag, got " + given);
    }
    PurgeRequest.Builder request = PurgeRequest.newBuilder();
    if (key != null) {
      request.setKey(ByteString.copyFrom(key));
    } else if (prefix != null) {
      request.setPrefix(ByteString.copyFrom(prefix));
    } else {
      request.setTag(tag);
    }
    return purge(request, soft);
  }

  public PurgeResult purgePrefix(String prefix, boolean soft) {
    return purge(null, Objects.requireNonNull(prefix, "prefix").getBytes(StandardCharsets.UTF_8), null, soft);
  }

  public PurgeResult purgeTag(String tag, boolean soft) {
    return purge(null, null, Objects.requireNonNull(tag, "tag"), soft);
  }

  private PurgeResult purge(PurgeRequest.Builder request, boolean soft) {
    PurgeRequest built = request.setNamespace(namespace).setSoft(soft).setRequestId(UUID.randomUUID().toString())
        .build();
    PurgeResponse r = call(ch -> InvalidationServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).purge(built));
    return new PurgeResult(r.getPurgeId(), Protos.version(r.getVersion()), Protos.servedBy(r.getServedBy()));
  }

  /**
   * Broadcasts {@code payload} to every region's subscribers of {@code topic}, at least once;
   * watches deduplicate by the publish id (random when null).
   */
  public PublishResult publish(String topic, byte[] payload, String publishId) {
    PublishRequest.Builder request = PublishRequest.newBuilder().setNamespace(namespace)
        .setTopic(Objects.requireNonNull(topic, "topic")).setPayload(ByteString.copyFrom(Objects.requireNonNull(payload, "payload")))
        .setPublishId(publishId != null ? publishId : "m-" + UUID.randomUUID());
    PublishRequest built = request.build();
    PublishResponse r = call(ch -> InvalidationServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).publish(built));
    return new PublishResult(r.getPublishId(), Protos.version(r.getVersion()), Protos.servedBy(r.getServedBy()));
  }

  /** When each region applied the purge (asked of the first endpoint that answers). */
  public PurgeStatus purgeStatus(String purgeId) {
    PurgeStatusRequest request = PurgeStatusRequest.newBuilder().setPurgeId(Objects.requireNonNull(purgeId, "purgeId"))
        .build();
    PurgeStatusResponse r = call(ch -> InvalidationServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).purgeStatus(request));
    List<PurgeStatus.RegionReceipt> regions = new ArrayList<>();
    for (var s : r.getRegionsList()) {
      regions.add(new PurgeStatus.RegionReceipt(s.getRegion(), s.getApplied(), s.getAppliedAtHlc(),
          s.getApplied() ? Instant.ofEpochMilli(s.getAppliedAtUnixMs()) : null, s.getIndex(), s.getShardsApplied(),
          s.getShards(), s.getNode(), s.getError()));
    }
    return new PurgeStatus(r.getPurgeId(), regions);
  }

  /** Tries each endpoint in order while the failure is UNAVAILABLE, within the deadline. */
  private <T> T call(Function<ManagedChannel, T> body) {
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    StatusRuntimeException last = null;
    for (int attempt = 0; attempt < channels.size() && System.nanoTime() < deadlineNanos; attempt++) {
      try {
        return body.apply(channels.get(attempt));
      } catch (StatusRuntimeException e) {
        last = e;
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          break;
        }
      }
    }
    throw Errors.translate(last != null ? last
        : Status.DEADLINE_EXCEEDED.withDescription("no endpoint answered in time").asRuntimeException());
  }

  private static ByteString utf8(String s, String name) {
    return ByteString.copyFromUtf8(Objects.requireNonNull(s, name));
  }

  /** Stops every watch and closes the channels. Idempotent. */
  @Override
  public void close() {
    watches.forEach(Watch::close);
    scheduler.shutdownNow();
    channels.forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels) {
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        channel.shutdownNow();
      }
    }
  }
}
