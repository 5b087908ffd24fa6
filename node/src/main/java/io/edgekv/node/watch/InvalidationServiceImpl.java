package io.edgekv.node.watch;

import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.api.v1.PublishRequest;
import io.edgekv.api.v1.PublishResponse;
import io.edgekv.api.v1.PurgeRequest;
import io.edgekv.api.v1.PurgeResponse;
import io.edgekv.api.v1.PurgeStatusRequest;
import io.edgekv.api.v1.PurgeStatusResponse;
import io.edgekv.api.v1.RegionPurgeStatus;
import io.edgekv.api.v1.ServedBy;
import io.edgekv.api.v1.WatchEvent;
import io.edgekv.api.v1.WatchRequest;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalPurgeReceiptRequest;
import io.edgekv.invalidation.BufferLimits;
import io.edgekv.invalidation.InvalidationBus;
import io.edgekv.invalidation.Selector;
import io.edgekv.invalidation.watch.ChangelogSource;
import io.edgekv.invalidation.watch.InvalidPositionException;
import io.edgekv.invalidation.watch.PurgeReceipts;
import io.edgekv.invalidation.watch.WatchNode;
import io.edgekv.invalidation.watch.WatchPosition;
import io.edgekv.invalidation.watch.WatchStreams;
import io.edgekv.node.api.Calls;
import io.edgekv.node.api.Errors;
import io.edgekv.node.api.InvalidInputException;
import io.edgekv.node.api.NodeUnavailableException;
import io.edgekv.node.api.RegionWrites;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.metrics.NodeMetrics;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.RegionReplica;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The public invalidation API of one node: Watch streams fed by the node's invalidation bus,
 * and Purge / Publish as replicated writes (see docs/invalidation.md).
 *
 * <p>Which shards a write goes to: a key purge to the key's shard; a prefix or tag purge to
 * every shard of the region (each shard purges its own keys and emits one purge event, with the
 * same purge id, so a subscriber of an S-shard region sees it up to S times: it is idempotent,
 * and each copy marks that shard's position); a publish to shard 0 (it touches no keys). Every
 * region's Shipper carries them to the same shard of every other region.
 */
public final class InvalidationServiceImpl extends InvalidationServiceGrpc.InvalidationServiceImplBase
    implements AutoCloseable {
  private static final int MAX_SELECTORS = 1000;
  private static final int MAX_TOPIC_BYTES = 128;
  private static final int MIN_PROGRESS_MILLIS = 100;
  private static final int MAX_PROGRESS_MILLIS = 60_000;

  /**
   * What a Watch stream may buffer is the bus's {@link BufferLimits}.
   *
   * @param remoteTimeoutMillis how long purge-status waits for another region's node
   */
  public record Settings(long remoteTimeoutMillis) {
    public static final Settings DEFAULTS = new Settings(2_000);

    public Settings {
      if (remoteTimeoutMillis < 1) {
        throw new IllegalArgumentException("watch.remoteTimeoutMillis must be positive, was " + remoteTimeoutMillis);
      }
    }
  }

  private final NodeConfig config;
  private final RegionReplica replica;
  private final ChangelogSource changelog;
  private final RequestValidator validate;
  private final Function<String, ManagedChannel> internalChannel;
  private final Executor executor;
  private final RegionWrites writes;
  private final Settings settings;
  private final WatchStreams streams;

  /**
   * @param changelog this node's changelog (Watch replay, purge receipts)
   * @param executor runs Watch streams' sending and local purge-status reads
   */
  public InvalidationServiceImpl(NodeConfig config, RegionReplica replica, ChangelogSource changelog, WatchNode node,
      InvalidationBus bus, RequestValidator validator, NodeMetrics metrics,
      Function<String, ManagedChannel> internalChannel, Executor executor, Supplier<NodeConfig.Region> healthyRegion,
      Settings settings, LongSupplier nanoTime) {
    this.config = config;
    this.replica = replica;
    this.changelog = changelog;
    this.validate = validator;
    this.internalChannel = internalChannel;
    this.executor = executor;
    this.writes = new RegionWrites(replica, healthyRegion);
    this.settings = settings;
    Timer fanout = metrics.invalidationFanout();
    Counter resets = metrics.watchResets();
    this.streams = new WatchStreams(changelog, node, bus, executor, new WatchStreams.Hooks() {
      @Override
      public void fanout(long nanos) {
        fanout.record(nanos, TimeUnit.NANOSECONDS);
      }

      @Override
      public void reset() {
        resets.increment();
      }

      @Override
      public StatusRuntimeException statusOf(Throwable error) {
        return Errors.toStatus(error);
      }
    }, nanoTime);
    metrics.bindWatchers(streams::openStreams);
    metrics.bindWatchBuffers(bus);
  }

  // ---------------------------------------------------------------- watch

  /** Validates the request and opens the stream ({@link WatchStreams}). */
  @Override
  public void watch(WatchRequest request, StreamObserver<WatchEvent> observer) {
    try {
      Selector selector = selector(request);
      WatchPosition resume = request.getResumePosition().isEmpty() ? null : position(request.getResumePosition());
      int progressMillis = request.getProgressIntervalMs();
      if (progressMillis != 0 && (progressMillis < MIN_PROGRESS_MILLIS || progressMillis > MAX_PROGRESS_MILLIS)) {
        throw new InvalidInputException("progress_interval_ms", MIN_PROGRESS_MILLIS + ".." + MAX_PROGRESS_MILLIS,
            "progress_interval_ms is " + progressMillis + "; it must be 0 (none) or " + MIN_PROGRESS_MILLIS + " to "
                + MAX_PROGRESS_MILLIS);
      }
      streams.open((ServerCallStreamObserver<WatchEvent>) observer, selector, resume, request.getIncludeValues(),
          progressMillis);
    } catch (RuntimeException e) {
      observer.onError(Errors.toStatus(e));
    }
  }

  private static WatchPosition position(String token) {
    try {
      return WatchPosition.decode(token);
    } catch (InvalidPositionException e) {
      throw new InvalidInputException("resume_position", "", e.getMessage());
    }
  }

  private Selector selector(WatchRequest request) {
    String namespace = validate.namespace(request.getNamespace());
    int count = request.getKeysCount() + request.getPrefixesCount() + request.getTagsCount() + request.getTopicsCount();
    if (count > MAX_SELECTORS) {
      throw new InvalidInputException("keys", String.valueOf(MAX_SELECTORS),
          count + " keys, prefixes, tags and topics given; a watch takes at most " + MAX_SELECTORS);
    }
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < request.getKeysCount(); i++) {
      keys.add(validate.key(request.getKeys(i), "keys[" + i + "]"));
    }
    List<byte[]> prefixes = new ArrayList<>();
    for (int i = 0; i < request.getPrefixesCount(); i++) {
      prefixes.add(validate.prefix(request.getPrefixes(i)));
    }
    List<String> tags = request.getTagsCount() == 0 ? List.of() : tagsOf(request.getTagsList());
    List<String> topics = new ArrayList<>();
    for (String topic : request.getTopicsList()) {
      topics.add(topic(topic, "topics"));
    }
    return new Selector(namespace, keys, prefixes, tags, topics);
  }

  private List<String> tagsOf(List<String> tags) {
    for (String tag : tags) {
      validate.tags(List.of(tag));
    }
    return List.copyOf(tags);
  }

  private static String topic(String topic, String field) {
    int bytes = topic.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > MAX_TOPIC_BYTES) {
      throw new InvalidInputException(field, String.valueOf(MAX_TOPIC_BYTES),
          "topic is " + bytes + " bytes; topics are 1 to " + MAX_TOPIC_BYTES + " bytes");
    }
    return topic;
  }

  /**
   * Ends every open Watch stream with {@code UNAVAILABLE} and refuses new ones while the node
   * drains or stops, so subscribers resume on another node of the region.
   */
  public void closeStreams(String why) {
    streams.refuse(unavailable(why));
  }

  /** Accepts Watch streams again (after an undrain). */
  public void acceptStreams() {
    streams.accept();
  }

  public int openStreams() {
    return streams.openStreams();
  }

  @Override
  public void close() {
    streams.close(unavailable("node " + replica.nodeId() + " is stopping"));
  }

  private static NodeUnavailableException unavailable(String why) {
    return new NodeUnavailableException(why + "; resume on another node with the last position");
  }

  // ---------------------------------------------------------------- purge and publish

  @Override
  public void purge(PurgeRequest request, StreamObserver<PurgeResponse> observer) {
    Calls.unary(observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      Command.PurgeSelector selector = switch (request.getSelectorCase()) {
        case KEY -> new Command.PurgeSelector.Key(validate.key(request.getKey(), "key"));
        case PREFIX -> {
          byte[] prefix = validate.prefix(request.getPrefix());
          if (prefix.length == 0) {
            throw new InvalidInputException("prefix", "1", "prefix must not be empty (purge a namespace's keys by tag or prefix)");
          }
          yield new Command.PurgeSelector.Prefix(prefix);
        }
        case TAG -> new Command.PurgeSelector.Tag(validate.tags(List.of(request.getTag())).get(0));
        case SELECTOR_NOT_SET -> throw new InvalidInputException("selector", "",
            "a purge needs exactly one of key, prefix or tag");
      };
      String requestId = validate.requestId(request.getRequestId());
      if (requestId.isEmpty()) {
        requestId = UUID.randomUUID().toString();
      }
      // Derived from the request id, so that a retried purge reports the same purge id.
      String purgeId = "p-" + UUID.nameUUIDFromBytes((namespace + "\0" + requestId).getBytes(StandardCharsets.UTF_8));
      Command.Purge purge = new Command.Purge(namespace, selector, request.getSoft(), purgeId);
      List<Integer> shards = selector instanceof Command.PurgeSelector.Key k
          ? List.of(replica.shardOf(namespace, k.key())) : allShards();
      Proposal proposal = Proposal.of(requestId, purge);
      return writeAll(shards, proposal).thenApply(applied -> PurgeResponse.newBuilder().setPurgeId(purgeId)
          .setVersion(applied.getVersion()).setServedBy(servedBy(shards.get(0))).build());
    }, status -> {});
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<PublishResponse> observer) {
    Calls.unary(observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      String topic = topic(request.getTopic(), "topic");
      if (request.getPayload().size() > validate.maxValueBytes()) {
        throw new InvalidInputException("payload", String.valueOf(validate.maxValueBytes()),
            "payload is " + request.getPayload().size() + " bytes; the limit is " + validate.maxValueBytes() + " bytes");
      }
      String publishId = request.getPublishId().isEmpty() ? "m-" + UUID.randomUUID()
          : validate.requestId(request.getPublishId());
      Command.Publish publish = new Command.Publish(namespace, topic, request.getPayload().toByteArray(), publishId);
      // The publish id doubles as request id: a retried publish is applied once in this region.
      Proposal proposal = Proposal.of("publish/" + publishId, publish);
      return writeAll(List.of(0), proposal).thenApply(applied -> PublishResponse.newBuilder()
          .setPublishId(publishId).setVersion(applied.getVersion()).setServedBy(servedBy(0)).build());
    }, status -> {});
  }

  private List<Integer> allShards() {
    List<Integer> shards = new ArrayList<>();
    for (int shard = 0; shard < replica.shards(); shard++) {
      shards.add(shard);
    }
    return shards;
  }

  /** Proposes to each shard; completes with the newest version once every shard applied it here too. */
  private CompletableFuture<Applied> writeAll(List<Integer> shards, Proposal proposal) {
    List<CompletableFuture<Applied>> writes = new ArrayList<>();
    for (int shard : shards) {
      writes.add(write(shard, proposal));
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      Applied newest = null;
      for (CompletableFuture<Applied> write : writes) {
        Applied applied = write.join();
        if (newest == null || Version.of(applied.getVersion()).compareTo(Version.of(newest.getVersion())) > 0) {
          newest = applied;
        }
      }
      return newest;
    });
  }

  private CompletableFuture<Applied> write(int shard, Proposal proposal) {
    return writes.write(shard, proposal);
  }

  private ServedBy servedBy(int shard) {
    return ServedBy.newBuilder().setNode(replica.nodeId()).setRegion(replica.region())
        .setConsistency(Consistency.STRONG).setAppliedIndex(replica.appliedIndex(shard).get())
        .setAsOfHlc(replica.clock().peek()).build();
  }

  // ---------------------------------------------------------------- purge status

  /** Each region's receipt: this region's from local state, the others' from one of their nodes. */
  @Override
  public void purgeStatus(PurgeStatusRequest request, StreamObserver<PurgeStatusResponse> observer) {
    Calls.unary(observer, () -> {
      String purgeId = request.getPurgeId();
      if (purgeId.isEmpty() || purgeId.length() > RequestValidator.MAX_REQUEST_ID_CHARS + 4) {
        throw new InvalidInputException("purge_id", String.valueOf(RequestValidator.MAX_REQUEST_ID_CHARS + 4),
            "purge_id must be the id a purge returned");
      }
      List<CompletableFuture<RegionPurgeStatus>> regions = new ArrayList<>();
      for (NodeConfig.Region region : config.topology().regions()) {
        regions.add(region.name().equals(replica.region())
            ? CompletableFuture.supplyAsync(() -> PurgeReceipts.local(changelog, purgeId, HybridClock::physicalMillis),
                executor)
            : remote(region, purgeId, 0));
      }
      return CompletableFuture.allOf(regions.toArray(CompletableFuture[]::new)).thenApply(ignored ->
          PurgeStatusResponse.newBuilder().setPurgeId(purgeId)
              .addAllRegions(regions.stream().map(CompletableFuture::join).toList()).build());
    }, status -> {});
  }

  /** Asks the region's nodes in turn until one answers. */
  private CompletableFuture<RegionPurgeStatus> remote(NodeConfig.Region region, String purgeId, int attempt) {
    if (attempt >= region.nodes().size()) {
      return CompletableFuture.completedFuture(RegionPurgeStatus.newBuilder().setRegion(region.name())
          .setError("no node of region " + region.name() + " answered").build());
    }
    NodeConfig.NodeAddress node = region.nodes().get(attempt);
    CompletableFuture<RegionPurgeStatus> answer = new CompletableFuture<>();
    InternalServiceGrpc.newStub(internalChannel.apply(node.id()))
        .withDeadlineAfter(settings.remoteTimeoutMillis(), TimeUnit.MILLISECONDS)
        .localPurgeReceipt(LocalPurgeReceiptRequest.newBuilder().setPurgeId(purgeId).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(RegionPurgeStatus value) {
                answer.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
    return answer.handle((status, error) -> error == null ? CompletableFuture.completedFuture(status)
        : remote(region, purgeId, attempt + 1)).thenCompose(Function.identity());
  }
}
