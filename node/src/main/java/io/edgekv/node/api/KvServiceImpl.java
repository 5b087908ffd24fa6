package io.edgekv.node.api;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.IncrementRequest;
import io.edgekv.api.v1.IncrementResponse;
import io.edgekv.api.v1.KeyResult;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.ServedBy;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TouchResponse;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.api.v1.TxnResponse;
import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.node.metrics.NodeMetrics;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.StoredEntries;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.Optional;
import io.grpc.Context;
import java.util.function.Supplier;
import io.edgekv.node.config.NodeConfig;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;

/**
 * The public key-value API of one node. Reads come from the local RocksDB once the requested
 * consistency allows (see {@link ReadBarriers}); writes go through the region's Raft group.
 * A service knows nothing of ports: the node binds it to a server.
 */
public final class KvServiceImpl extends KvServiceGrpc.KvServiceImplBase {
  private final RegionReplica replica;
  private final RequestValidator validate;
  private final ReadBarriers barriers;
  private final NodeMetrics metrics;
  private final Clock clock;
  private final RegionWrites writes;
  private final Timer commitTimer;
  private final Executor offload;

  /** Handlers run on the thread gRPC calls them on (its executor for this service): no offload. */
  public KvServiceImpl(RegionReplica replica, RequestValidator validator, ReadBarriers barriers, NodeMetrics metrics,
      Supplier<NodeConfig.Region> healthyRegion) {
    this(replica, validator, barriers, metrics, healthyRegion, Runnable::run);
  }

  /**
   * @param offload where calls that may wait run, and EVENTUAL reads that need the disk: bound
   *     to a direct (transport-thread) executor, this service answers EVENTUAL reads from memory
   *     on the thread that received them and hands everything else to {@code offload}
   */
  public KvServiceImpl(RegionReplica replica, RequestValidator validator, ReadBarriers barriers, NodeMetrics metrics,
      Supplier<NodeConfig.Region> healthyRegion, Executor offload) {
    this.offload = offload;
    this.writes = new RegionWrites(replica, healthyRegion);
    this.commitTimer = metrics.raftCommitTimer();
    this.replica = replica;
    this.validate = validator;
    this.barriers = barriers;
    this.metrics = metrics;
    this.clock = replica.clock().clock();
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> observer) {
    Consistency consistency = request.getRead().getConsistency();
    boolean eventual = ReadBarriers.eventual(consistency);
    call("get", NodeMetrics.consistencyTag(consistency), observer, eventual, () -> {
      String namespace = validate.namespace(request.getNamespace());
      byte[] key = validate.key(request.getKey(), "key");
      int shard = replica.shardOf(namespace, key);
      List<EntryKey> keys = List.of(new EntryKey(namespace, key));
      if (eventual) {
        // On the transport thread, from memory: the token first (what the read reflects is at
        // least what was applied when it was taken), then the entry, or the executor if it needs the disk.
        SessionToken token = barriers.eventual(shard, request.getRead());
        return inMemoryOrOffload(shard, keys, stored -> getResponse(shard, consistency, token, key, stored.getFirst()));
      }
      return barriers.await(shard, request.getRead()).thenApply(token ->
          getResponse(shard, consistency, token, key, replica.reads().entries(shard, keys).getFirst()));
    });
  }

  private GetResponse getResponse(int shard, Consistency consistency, SessionToken token, byte[] key,
      StoredEntry stored) {
    GetResponse.Builder out = GetResponse.newBuilder()
        .setServedBy(servedBy(shard, consistency))
        .setSessionToken(token.encode());
    if (StoredEntries.isLive(stored, clock.millis())) {
      out.setFound(true).setEntry(toEntry(key, stored, true));
    }
    return out.build();
  }

  /**
   * Reads {@code keys} of one shard from memory on this thread and answers with {@code answer};
   * when that would wait (the disk, a snapshot install) the read and the answer run on the
   * offload executor instead.
   */
  private <T> CompletableFuture<T> inMemoryOrOffload(int shard, List<EntryKey> keys,
      Function<List<StoredEntry>, T> answer) {
    Optional<List<StoredEntry>> inMemory = replica.reads().entriesInMemory(shard, keys);
    if (inMemory.isPresent()) {
      return CompletableFuture.completedFuture(answer.apply(inMemory.get()));
    }
    return CompletableFuture.supplyAsync(() -> answer.apply(replica.reads().entries(shard, keys)), offload);
  }

  @Override
  public void batchGet(BatchGetRequest request, StreamObserver<BatchGetResponse> observer) {
    Consistency consistency = request.getRead().getConsistency();
    boolean eventual = ReadBarriers.eventual(consistency);
    call("batch_get", NodeMetrics.consistencyTag(consistency), observer, eventual, () -> {
      String namespace = validate.namespace(request.getNamespace());
      validate.batchSize(request.getKeysCount());
      List<byte[]> keys = new ArrayList<>();
      for (int i = 0; i < request.getKeysCount(); i++) {
        keys.add(validate.key(request.getKeys(i), "keys[" + i + "]"));
      }
      // every key of one shard from one RocksDB snapshot, so that a transaction applied meanwhile
      // is seen whole or not at all (a read-only transaction is one STRONG BatchGet)
      Map<Integer, List<Integer>> byShard = new TreeMap<>();
      for (int i = 0; i < keys.size(); i++) {
        byShard.computeIfAbsent(replica.shardOf(namespace, keys.get(i)), s -> new ArrayList<>()).add(i);
      }
      if (eventual) {
        SessionToken token = barriers.eventualAll(request.getRead());
        StoredEntry[] read = new StoredEntry[keys.size()];
        for (Map.Entry<Integer, List<Integer>> shard : byShard.entrySet()) {
          Optional<List<StoredEntry>> values = replica.reads().entriesInMemory(shard.getKey(),
              entryKeys(namespace, keys, shard.getValue()));
          if (values.isEmpty()) {
            // Needs the disk (or waits for a snapshot install): the whole batch on the executor.
            return CompletableFuture.supplyAsync(() -> batchResponse(consistency, token, keys,
                readAll(namespace, keys, byShard)), offload);
          }
          place(read, shard.getValue(), values.get());
        }
        return CompletableFuture.completedFuture(batchResponse(consistency, token, keys, read));
      }
      return barriers.awaitAll(request.getRead()).thenApply(token ->
          batchResponse(consistency, token, keys, readAll(namespace, keys, byShard)));
    });
  }

  private StoredEntry[] readAll(String namespace, List<byte[]> keys, Map<Integer, List<Integer>> byShard) {
    StoredEntry[] read = new StoredEntry[keys.size()];
    byShard.forEach((shard, indexes) -> place(read, indexes,
        replica.reads().entries(shard, entryKeys(namespace, keys, indexes))));
    return read;
  }

  private static List<EntryKey> entryKeys(String namespace, List<byte[]> keys, List<Integer> indexes) {
    List<EntryKey> out = new ArrayList<>(indexes.size());
    indexes.forEach(i -> out.add(new EntryKey(namespace, keys.get(i))));
    return out;
  }

  private static void place(StoredEntry[] read, List<Integer> indexes, List<StoredEntry> values) {
    for (int j = 0; j < indexes.size(); j++) {
      read[indexes.get(j)] = values.get(j);
    }
  }

  private BatchGetResponse batchResponse(Consistency consistency, SessionToken token, List<byte[]> keys,
      StoredEntry[] read) {
    long now = clock.millis();
    BatchGetResponse.Builder out = BatchGetResponse.newBuilder();
    for (int i = 0; i < keys.size(); i++) {
      byte[] key = keys.get(i);
      StoredEntry stored = read[i];
      KeyResult.Builder result = KeyResult.newBuilder().setKey(ByteString.copyFrom(key));
      if (StoredEntries.isLive(stored, now)) {
        result.setFound(true).setEntry(toEntry(key, stored, true));
      }
      out.addResults(result);
    }
    return out.setServedBy(servedBy(0, consistency)).setSessionToken(token.encode()).build();
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> observer) {
    call("put", "none", observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      byte[] key = validate.key(request.getKey(), "key");
      byte[] value = validate.value(request.getValue());
      validate.condition(request.getCondition());
      Command.Put put = new Command.Put(namespace, key, value, validate.metadata(request.getMetadataMap()),
          validate.tags(request.getTagsList()), validate.ttlMillis(request.getTtlMs()), 0,
          WriteCondition.of(request.getCondition()));
      Proposal proposal = Proposal.of(validate.requestId(request.getRequestId()), put);
      SessionToken session = barriers.sessionOf(request.getSessionToken());
      int shard = replica.shardOf(namespace, key);
      return write(proposal, shard).thenApply(applied -> PutResponse.newBuilder()
          .setVersion(applied.getVersion())
          .setServedBy(servedBy(shard, Consistency.STRONG))
          .setSessionToken(barriers.after(session, shard, applied.getIndex()).encode())
          .build());
    });
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
    call("delete", "none", observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      byte[] key = validate.key(request.getKey(), "key");
      validate.condition(request.getCondition());
      Command.Delete delete = new Command.Delete(namespace, key, WriteCondition.of(request.getCondition()));
      Proposal proposal = Proposal.of(validate.requestId(request.getRequestId()), delete);
      SessionToken session = barriers.sessionOf(request.getSessionToken());
      int shard = replica.shardOf(namespace, key);
      return write(proposal, shard).thenApply(applied -> DeleteResponse.newBuilder()
          .setExisted(applied.getExisted())
          .setVersion(applied.getVersion())
          .setServedBy(servedBy(shard, Consistency.STRONG))
          .setSessionToken(barriers.after(session, shard, applied.getIndex()).encode())
          .build());
    });
  }

  @Override
  public void touch(TouchRequest request, StreamObserver<TouchResponse> observer) {
    call("touch", "none", observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      byte[] key = validate.key(request.getKey(), "key");
      long ttl = validate.ttlMillis(request.getTtlMs());
      if (ttl == 0) {
        throw new InvalidInputException("ttl_ms", String.valueOf(RequestValidator.MIN_TTL_MILLIS),
            "ttl_ms must be set for touch (at least " + RequestValidator.MIN_TTL_MILLIS + " ms)");
      }
      Proposal proposal = Proposal.of(validate.requestId(request.getRequestId()),
          new Command.Touch(namespace, key, ttl, 0));
      SessionToken session = barriers.sessionOf(request.getSessionToken());
      int shard = replica.shardOf(namespace, key);
      return write(proposal, shard).thenApply(applied -> {
        TouchResponse.Builder out = TouchResponse.newBuilder()
            .setFound(applied.getExisted())
            .setServedBy(servedBy(shard, Consistency.STRONG))
            .setSessionToken(barriers.after(session, shard, applied.getIndex()).encode());
        if (applied.getExisted()) {
          out.setVersion(applied.getVersion()).setExpiresAtUnixMs(applied.hasExpiresAtUnixMs()
              ? applied.getExpiresAtUnixMs() : storedExpiry(shard, namespace, key, applied));
        }
        return out.build();
      });
    });
  }

  @Override
  public void increment(IncrementRequest request, StreamObserver<IncrementResponse> observer) {
    call("increment", "none", observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      byte[] key = validate.key(request.getKey(), "key");
      long delta = validate.delta(request.getDelta());
      Proposal proposal = Proposal.of(validate.requestId(request.getRequestId()),
          new Command.Increment(namespace, key, delta));
      SessionToken session = barriers.sessionOf(request.getSessionToken());
      int shard = replica.shardOf(namespace, key);
      return write(proposal, shard).thenApply(applied -> {
        long value = applied.hasCounterValue() ? applied.getCounterValue() : counterValue(key,
            replica.reads().entry(shard, new EntryKey(namespace, key)));
        return IncrementResponse.newBuilder()
            .setValue(value)
            .setVersion(applied.getVersion())
            .setServedBy(servedBy(shard, Consistency.STRONG))
            .setSessionToken(barriers.after(session, shard, applied.getIndex()).encode())
            .build();
      });
    });
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
    call("txn", "none", observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      TxnPlan plan = TxnPlan.of(namespace, request, validate, replica::shardOf);
      Proposal proposal = Proposal.of(validate.requestId(request.getRequestId()), plan.command());
      SessionToken session = barriers.sessionOf(request.getSessionToken());
      return write(proposal, plan.shard()).thenApply(applied -> TxnResponse.newBuilder()
          .setVersion(applied.getVersion())
          .setServedBy(servedBy(plan.shard(), Consistency.STRONG))
          .setSessionToken(barriers.after(session, plan.shard(), applied.getIndex()).encode())
          .build());
    });
  }

  @Override
  public void scan(ScanRequest request, StreamObserver<ScanResponse> observer) {
    Consistency consistency = request.getRead().getConsistency();
    call("scan", NodeMetrics.consistencyTag(consistency), observer, () -> {
      String namespace = validate.namespace(request.getNamespace());
      byte[] prefix = validate.prefix(request.getPrefix());
      int limit = validate.scanLimit(request.getLimit());
      byte[] after = ScanToken.decode(request.getContinuationToken(), prefix);
      return barriers.awaitAll(request.getRead()).thenApply(token -> {
        List<Entry> page = scanShards(namespace, prefix, after, limit + 1, request.getKeysOnly());
        ScanResponse.Builder out = ScanResponse.newBuilder();
        boolean more = page.size() > limit;
        List<Entry> entries = more ? page.subList(0, limit) : page;
        out.addAllEntries(entries);
        if (more) {
          out.setContinuationToken(ScanToken.encode(entries.get(entries.size() - 1).getKey().toByteArray()));
        }
        return out.setServedBy(servedBy(0, consistency)).setSessionToken(token.encode()).build();
      });
    });
  }

  /** Up to {@code max} live entries after {@code after}, merged from all shards in key order. */
  private List<Entry> scanShards(String namespace, byte[] prefix, byte[] after, int max, boolean keysOnly) {
    long now = clock.millis();
    List<Entry> merged = new ArrayList<>();
    EntryKey start = new EntryKey(namespace, after != null ? after : prefix);
    for (int shard = 0; shard < replica.shards(); shard++) {
      int[] taken = {0};
      replica.reads().scan(shard, start, (key, stored) -> {
        if (!key.hasPrefix(namespace, prefix)) {
          return false;
        }
        if ((after == null || !Arrays.equals(key.key(), after)) && StoredEntries.isLive(stored, now)) {
          merged.add(toEntry(key.key(), stored, !keysOnly));
          taken[0]++;
        }
        return taken[0] < max;
      });
    }
    merged.sort(Comparator.comparing(e -> e.getKey().toByteArray(), Arrays::compareUnsigned));
    return merged.size() > max ? merged.subList(0, max) : merged;
  }

  private CompletableFuture<Applied> write(Proposal proposal, int shard) {
    long proposed = System.nanoTime();
    return writes.write(shard, proposal).whenComplete((applied, error) -> {
      if (error == null) {
        commitTimer.record(System.nanoTime() - proposed, TimeUnit.NANOSECONDS);
      }
    });
  }


  private ServedBy servedBy(int shard, Consistency consistency) {
    return ServedBy.newBuilder()
        .setNode(replica.nodeId())
        .setRegion(replica.region())
        .setConsistency(consistency == Consistency.CONSISTENCY_UNSPECIFIED ? Consistency.EVENTUAL : consistency)
        .setAppliedIndex(replica.appliedIndex(shard).get())
        .setAsOfHlc(replica.clock().peek())
        .build();
  }

  /**
   * A touched entry's expiry, for a reply recorded before apply reported it (a retried touch of
   * an older release): read back, if the entry still has the touch's version.
   */
  private long storedExpiry(int shard, String namespace, byte[] key, Applied applied) {
    StoredEntry stored = replica.reads().entry(shard, new EntryKey(namespace, key));
    return stored != null && StoredEntries.version(stored).equals(Version.of(applied.getVersion()))
        ? stored.getExpiresAtUnixMs() : 0;
  }

  /**
   * A counter's total, for a reply written before apply reported it (a retried increment of an
   * older release); a total outside the signed 64-bit range is refused, never wrapped.
   */
  private static long counterValue(byte[] key, StoredEntry stored) {
    if (stored == null || !stored.getCounter()) {
      return 0;
    }
    checkCounterInRange(key, stored);
    return Long.parseLong(stored.getValue().toStringUtf8());
  }

  /** A counter whose merged total left the signed 64-bit range reads as OUT_OF_RANGE. */
  private static void checkCounterInRange(byte[] key, StoredEntry stored) {
    if (stored.getCounter() && stored.getCounterOutOfRange()) {
      String printable = new String(key, StandardCharsets.UTF_8);
      String total = stored.getValue().toStringUtf8();
      String limit = String.valueOf(total.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE);
      throw new OutOfRangeException("key", limit, "counter '" + printable + "' totals " + total
          + " (concurrent increments in several regions), outside " + Long.MIN_VALUE + " to " + Long.MAX_VALUE
          + "; an increment that brings it back in range is accepted");
    }
  }

  static Entry toEntry(byte[] key, StoredEntry stored, boolean withValue) {
    Entry.Builder entry = Entry.newBuilder()
        .setKey(ByteString.copyFrom(key))
        .setVersion(StoredEntries.version(stored).toProto())
        .putAllMetadata(stored.getMetadataMap())
        .addAllTags(stored.getTagsList())
        .setExpiresAtUnixMs(stored.getExpiresAtUnixMs())
        .setDigest(stored.getDigest())
        .setStale(stored.getStale())
        .setCounter(stored.getCounter());
    if (withValue) {
      checkCounterInRange(key, stored);
      entry.setValue(stored.getValue());
    }
    return entry.build();
  }

  /** Runs one call, timed by op, consistency and final status. */
  private <T> void call(String op, String consistency, StreamObserver<T> observer,
      Supplier<CompletableFuture<T>> body) {
    call(op, consistency, observer, false, body);
  }

  /**
   * Runs a call: on this thread when {@code here} (an EVENTUAL read, which never waits), else on
   * the offload executor (the gRPC context, with the call's deadline, goes along).
   */
  private <T> void call(String op, String consistency, StreamObserver<T> observer, boolean here,
      Supplier<CompletableFuture<T>> body) {
    long start = System.nanoTime();
    Runnable run = () -> Calls.unary(observer, body, status ->
        metrics.requestTimer(op, consistency, status).record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
    if (here) {
      run.run();
      return;
    }
    try {
      offload.execute(Context.current().wrap(run));
    } catch (RejectedExecutionException e) {
      Calls.unary(observer, () -> CompletableFuture.failedFuture(new NodeUnavailableException("node is shutting down")),
          status -> {});
    }
  }

}
