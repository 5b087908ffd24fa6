package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.Condition;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.client.auth.ClientCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A client of an EdgeKV cluster: reads, writes, deletes and scans keys of one namespace
 * through any of a list of endpoints.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Deadline.</b> Every call, retries and backoff included, completes within the
 *       {@linkplain Builder#deadline(Duration) deadline} (default 5 s), plus scheduling jitter.
 *   <li><b>Retries and failover.</b> A call that fails with {@code UNAVAILABLE} (or whose
 *       attempt exceeds {@link RetryPolicy#perAttemptTimeout()}) is retried on the next
 *       endpoint, round robin, as the {@link RetryPolicy} allows; no other failure is retried.
 *       The next call starts from the endpoint that last answered. (Admin calls that act on
 *       one node never fail over; see {@link AdminClient}.)
 *   <li><b>Idempotent writes.</b> Each logical {@code put}, {@code delete}, {@code touch} or
 *       transaction commit carries one request id (a random UUID unless the caller gives one)
 *       on all its attempts, so the server applies it at most once even when a retry follows a
 *       lost acknowledgement.
 *   <li><b>Drain awareness.</b> A node that is draining marks its responses with the header
 *       {@code edgekv-draining: true}. The client then demotes that endpoint for {@linkplain
 *       Builder#drainingDemotion(Duration) a while} (default 30 s): new calls try the other
 *       endpoints first and come back to it only when those fail, or once it answers without
 *       the header. Together with the retry of {@code UNAVAILABLE} on the next endpoint (the
 *       draining node closes its connections with GOAWAY), traffic moves off a draining node
 *       without failed calls.
 *   <li><b>Sessions.</b> The client remembers the latest session token any response carried
 *       and sends it with every later request whose options do not name one, so {@link
 *       Consistency#SESSION} reads see this client's own writes on any node.
 * </ul>
 *
 * <p>Besides single-key calls there are atomic multi-key transactions ({@link #txn()}), TTL
 * refresh ({@link #touch(byte[], TouchOptions)}) and the admin API of one node ({@link #admin()}).
 *
 * <h2>Errors</h2>
 *
 * Every failure is an unchecked {@link EdgeKvException} (a failed condition a {@link
 * ConditionFailedException}): thrown by the synchronous methods, and the exceptional
 * completion of the futures the {@code ...Async} methods return. A miss is not an error:
 * {@link GetResult#found()} is false. Arguments are checked before any call: a null key,
 * value or options object throws {@link NullPointerException} at once.
 *
 * <h2>Threads</h2>
 *
 * Instances are thread-safe and meant to be shared: build one per application and {@link
 * #close()} it at shutdown. The futures of the asynchronous methods complete on gRPC's
 * threads, so dependent stages that block should run on an executor of their own ({@code
 * thenApplyAsync(fn, executor)}). Cancelling such a future stops further retries but not an
 * attempt already sent.
 */
public final class EdgeKvClient implements AutoCloseable {

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  private static final Duration DEFAULT_DRAINING_DEMOTION = Duration.ofSeconds(30);

  private final List<Endpoint> endpoints;
  private final List<ManagedChannel> channels;
  private final String namespace;
  private final Duration deadline;
  private final RetryPolicy retryPolicy;
  private final ScheduledExecutorService scheduler;
  private final FailoverCaller caller;
  private final AtomicReference<String> sessionToken;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Where callbacks run; null = gRPC's shared pool. */
  private final Executor executor;
  /** TLS trust and bearer token of every channel. */
  private final ClientCredentials credentials;

  private EdgeKvClient(Builder b) {
    this.credentials = b.credentials;
    this.endpoints = List.copyOf(b.endpoints);
    this.namespace = b.namespace;
    this.deadline = b.deadline;
    this.retryPolicy = b.retryPolicy;
    this.executor = b.executor;
    this.sessionToken = new AtomicReference<>(b.sessionToken);
    List<ManagedChannel> opened = new ArrayList<>(endpoints.size());
    Function<Endpoint, ManagedChannel> channelFactory =
        b.channelFactory != null ? b.channelFactory : endpoint -> Channels.open(endpoint, executor, b.credentials);
    for (Endpoint e : endpoints) {
      opened.add(channelFactory.apply(e));
    }
    this.channels = List.copyOf(opened);
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "edgekv-client-retry");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    this.scheduler = Executors.unconfigurableScheduledExecutorService(timer);
    EndpointSelector selector = new EndpointSelector(endpoints.size(), b.drainingDemotion, b.nanoTime);
    this.caller = new FailoverCaller(endpoints, channels, selector, retryPolicy, deadline, scheduler);
  }

  /** A builder with the defaults: namespace {@code "default"}, 5 s deadline, default retries. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- reads

  /**
   * Reads {@code key} (UTF-8) at {@link Consistency#EVENTUAL}.
   *
   * @return the result; {@link GetResult#found()} is false on a miss
   * @throws EdgeKvException if the call fails
   * @throws NullPointerException if {@code key} is null
   */
  public GetResult get(String key) {
    return await(getAsync(key));
  }

  /**
   * Reads {@code key} at {@link Consistency#EVENTUAL}.
   *
   * @see #get(byte[], ReadOptions)
   */
  public GetResult get(byte[] key) {
    return await(getAsync(key));
  }

  /**
   * Reads {@code key} (UTF-8) with the given options.
   *
   * @see #get(byte[], ReadOptions)
   */
  public GetResult get(String key, ReadOptions options) {
    return await(getAsync(utf8(key, "key"), options));
  }

  /**
   * Reads {@code key} with the given options.
   *
   * @return the result; {@link GetResult#found()} is false on a miss
   * @throws EdgeKvException if the call fails (e.g. {@code INVALID_ARGUMENT} for a key over
   *     the size limit, {@code UNAVAILABLE} once retries are used up, {@code DEADLINE_EXCEEDED})
   * @throws NullPointerException if an argument is null
   */
  public GetResult get(byte[] key, ReadOptions options) {
    return await(getAsync(key, options));
  }

  /** Asynchronous {@link #get(String)}. */
  public CompletableFuture<GetResult> getAsync(String key) {
    return getAsync(utf8(key, "key"), ReadOptions.defaults());
  }

  /** Asynchronous {@link #get(byte[])}. */
  public CompletableFuture<GetResult> getAsync(byte[] key) {
    return getAsync(key, ReadOptions.defaults());
  }

  /**
   * Asynchronous {@link #get(byte[], ReadOptions)}: the future completes with the result or
   * exceptionally with an {@link EdgeKvException}.
   *
   * @throws NullPointerException if an argument is null
   */
  public CompletableFuture<GetResult> getAsync(byte[] key, ReadOptions options) {
    ByteString k = ByteString.copyFrom(Objects.requireNonNull(key, "key"));
    GetRequest request = GetRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(k)
        .setRead(Protos.readOptions(Objects.requireNonNull(options, "options"), tokenFor(options.sessionToken().orElse(null))))
        .build();
    return caller.<io.edgekv.api.v1.GetResponse>call("get", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).get(request, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.getResult(k, r);
        });
  }

  /**
   * Reads many keys from one consistent view of one node.
   *
   * @param keys the keys; the results come in the same order
   * @return one result per key; a miss has {@link GetResult#found()} false
   * @throws EdgeKvException if the call fails
   * @throws NullPointerException if {@code keys}, one of its keys, or {@code options} is null
   */
  public List<GetResult> batchGet(List<byte[]> keys, ReadOptions options) {
    return await(batchGetAsync(keys, options));
  }

  /** Asynchronous {@link #batchGet(List, ReadOptions)}. */
  public CompletableFuture<List<GetResult>> batchGetAsync(List<byte[]> keys, ReadOptions options) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(options, "options");
    List<ByteString> ks = new ArrayList<>(keys.size());
    for (byte[] key : keys) {
      ks.add(ByteString.copyFrom(Objects.requireNonNull(key, "keys must not contain null")));
    }
    BatchGetRequest request = BatchGetRequest.newBuilder()
        .setNamespace(namespace)
        .addAllKeys(ks)
        .setRead(Protos.readOptions(options, tokenFor(options.sessionToken().orElse(null))))
        .build();
    return caller.<io.edgekv.api.v1.BatchGetResponse>call("batchGet", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).batchGet(request, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.batchGetResults(ks, r);
        });
  }

  // ---------------------------------------------------------------- writes

  /**
   * Writes {@code value} under {@code key}, both UTF-8, unconditionally.
   *
   * @see #put(byte[], byte[], PutOptions)
   */
  public PutResult put(String key, String value) {
    return await(putAsync(key, value));
  }

  /**
   * Writes {@code value} (UTF-8) under {@code key} (UTF-8) with the given options.
   *
   * @see #put(byte[], byte[], PutOptions)
   */
  public PutResult put(String key, String value, PutOptions options) {
    return await(putAsync(utf8(key, "key"), utf8(value, "value"), options));
  }

  /**
   * Writes {@code value} under {@code key} unconditionally.
   *
   * @see #put(byte[], byte[], PutOptions)
   */
  public PutResult put(byte[] key, byte[] value) {
    return await(putAsync(key, value, PutOptions.defaults()));
  }

  /**
   * Writes {@code value} under {@code key}. The write is acknowledged once a majority of the
   * region has it durably; it then replicates to other regions asynchronously.
   *
   * @return the version the write was stamped with, and the session token naming it
   * @throws ConditionFailedException if the options' condition did not hold (nothing was
   *     written)
   * @throws EdgeKvException if the call fails otherwise (e.g. {@code INVALID_ARGUMENT} naming
   *     the field and limit a key, value, tag or metadata broke; {@code UNAVAILABLE} when the
   *     region has no quorum and retries are used up). After {@code UNAVAILABLE} or {@code
   *     DEADLINE_EXCEEDED} the write may or may not have been applied; repeating it with the
   *     same {@link PutOptions.Builder#requestId request id} is safe.
   * @throws NullPointerException if an argument is null
   */
  public PutResult put(byte[] key, byte[] value, PutOptions options) {
    return await(putAsync(key, value, options));
  }

  /** Asynchronous {@link #put(String, String)}. */
  public CompletableFuture<PutResult> putAsync(String key, String value) {
    return putAsync(utf8(key, "key"), utf8(value, "value"), PutOptions.defaults());
  }

  /** Asynchronous {@link #put(byte[], byte[], PutOptions)}. */
  public CompletableFuture<PutResult> putAsync(byte[] key, byte[] value, PutOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(options, "options");
    PutRequest.Builder request = PutRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setValue(ByteString.copyFrom(value))
        .putAllMetadata(options.metadata())
        .addAllTags(options.tags())
        .setRequestId(options.requestId().orElseGet(() -> UUID.randomUUID().toString()));
    options.ttl().ifPresent(ttl -> request.setTtlMs(Protos.millis(ttl)));
    if (options.ifAbsent()) {
      request.setCondition(Condition.newBuilder().setIfAbsent(true));
    }
    options.ifVersion().ifPresent(v -> request.setCondition(Condition.newBuilder().setIfVersion(Protos.version(v))));
    String token = tokenFor(options.sessionToken().orElse(null));
    if (token != null) {
      request.setSessionToken(token);
    }
    PutRequest built = request.build();
    return caller.<io.edgekv.api.v1.PutResponse>call("put", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).put(built, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.putResult(r);
        });
  }

  /**
   * Deletes {@code key} (UTF-8) unconditionally.
   *
   * @see #delete(byte[], DeleteOptions)
   */
  public DeleteResult delete(String key) {
    return await(deleteAsync(utf8(key, "key"), DeleteOptions.defaults()));
  }

  /**
   * Deletes {@code key} unconditionally.
   *
   * @see #delete(byte[], DeleteOptions)
   */
  public DeleteResult delete(byte[] key) {
    return await(deleteAsync(key, DeleteOptions.defaults()));
  }

  /**
   * Deletes {@code key} by writing a versioned tombstone. Deleting a missing key succeeds with
   * {@link DeleteResult#existed()} false.
   *
   * @throws ConditionFailedException if the options' condition did not hold
   * @throws EdgeKvException if the call fails otherwise; as for {@code put}, a retry with the
   *     same request id is safe after {@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED}
   * @throws NullPointerException if an argument is null
   */
  public DeleteResult delete(byte[] key, DeleteOptions options) {
    return await(deleteAsync(key, options));
  }

  /** Asynchronous {@link #delete(String)}. */
  public CompletableFuture<DeleteResult> deleteAsync(String key) {
    return deleteAsync(utf8(key, "key"), DeleteOptions.defaults());
  }

  /** Asynchronous {@link #delete(byte[], DeleteOptions)}. */
  public CompletableFuture<DeleteResult> deleteAsync(byte[] key, DeleteOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    DeleteRequest.Builder request = DeleteRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setRequestId(options.requestId().orElseGet(() -> UUID.randomUUID().toString()));
    options.ifVersion().ifPresent(v -> request.setCondition(Condition.newBuilder().setIfVersion(Protos.version(v))));
    String token = tokenFor(options.sessionToken().orElse(null));
    if (token != null) {
      request.setSessionToken(token);
    }
    DeleteRequest built = request.build();
    return caller.<io.edgekv.api.v1.DeleteResponse>call("delete", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).delete(built, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.deleteResult(r);
        });
  }

  // ---------------------------------------------------------------- scans

  /**
   * Reads one page of the live entries whose key starts with {@code prefix}, in key order.
   * Pass the page's {@link ScanPage#continuationToken()} back through {@link
   * ScanOptions#withContinuationToken(String)} for the next page.
   *
   * @throws EdgeKvException if the call fails
   * @throws NullPointerException if an argument is null
   */
  public ScanPage scan(byte[] prefix, ScanOptions options) {
    return await(scanAsync(prefix, options));
  }

  /** Asynchronous {@link #scan(byte[], ScanOptions)}. */
  public CompletableFuture<ScanPage> scanAsync(byte[] prefix, ScanOptions options) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(options, "options");
    ScanRequest.Builder request = ScanRequest.newBuilder()
        .setNamespace(namespace)
        .setPrefix(ByteString.copyFrom(prefix))
        .setLimit(options.limit())
        .setKeysOnly(options.keysOnly())
        .setRead(Protos.readOptions(options.read(), tokenFor(options.read().sessionToken().orElse(null))));
    options.continuationToken().ifPresent(request::setContinuationToken);
    ScanRequest built = request.build();
    return caller.<io.edgekv.api.v1.ScanResponse>call("scan", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).scan(built, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.scanPage(r);
        });
  }

  /**
   * All pages of a prefix scan, starting from the options' continuation token. The iterable
   * fetches each page lazily, synchronously, when its iterator is advanced; each iterator
   * starts the scan anew. Iteration throws {@link EdgeKvException} if fetching a page fails.
   * Pages are fetched one call at a time, so the scan as a whole is not one consistent
   * snapshot: entries written during it may or may not appear.
   *
   * @throws NullPointerException if an argument is null
   */
  public Iterable<ScanPage> scanPages(byte[] prefix, ScanOptions options) {
    byte[] p = Objects.requireNonNull(prefix, "prefix").clone();
    Objects.requireNonNull(options, "options");
    return () -> new Iterator<>() {
      private ScanPage last;

      @Override
      public boolean hasNext() {
        return last == null || last.hasMore();
      }

      @Override
      public ScanPage next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        ScanOptions pageOptions = last == null
            ? options
            : options.withContinuationToken(last.continuationToken());
        last = scan(p, pageOptions);
        return last;
      }
    };
  }

  /**
   * The entries of all pages of a prefix scan, fetched lazily page by page as the stream is
   * consumed (see {@link #scanPages(byte[], ScanOptions)}).
   *
   * @throws NullPointerException if an argument is null
   */
  public Stream<KvEntry> scanAll(byte[] prefix, ScanOptions options) {
    return StreamSupport.stream(scanPages(prefix, options).spliterator(), false)
        .flatMap(page -> page.entries().stream());
  }

  // ---------------------------------------------------------------- touch and transactions

  /**
   * Gives {@code key} (UTF-8) a new time to live.
   *
   * @see #touch(byte[], TouchOptions)
   */
  public TouchResult touch(String key, Duration ttl) {
    return await(touchAsync(utf8(key, "key"), TouchOptions.of(ttl)));
  }

  /**
   * Gives {@code key} a new time to live.
   *
   * @see #touch(byte[], TouchOptions)
   */
  public TouchResult touch(byte[] key, Duration ttl) {
    return await(touchAsync(key, TouchOptions.of(ttl)));
  }

  /**
   * Gives a live {@code key} a new time to live, counted from when the region applies the
   * touch: the entry keeps its value, metadata and tags under a new version. A missing, deleted
   * or expired key is not an error: {@link TouchResult#found()} is false and nothing changes.
   * Like a write, the touch carries one request id on all its attempts.
   *
   * @return the new version and expiry, or {@code found == false}
   * @throws EdgeKvException if the call fails (e.g. {@code INVALID_ARGUMENT} for a key over the
   *     size limit; after {@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED} the touch may or may
   *     not have been applied, and repeating it is harmless)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException naming {@code ttl} if the time to live is under one second
   *     (the {@code Duration} overloads)
   */
  public TouchResult touch(byte[] key, TouchOptions options) {
    return await(touchAsync(key, options));
  }

  /** Asynchronous {@link #touch(String, Duration)}. */
  public CompletableFuture<TouchResult> touchAsync(String key, Duration ttl) {
    return touchAsync(utf8(key, "key"), TouchOptions.of(ttl));
  }

  /** Asynchronous {@link #touch(byte[], Duration)}. */
  public CompletableFuture<TouchResult> touchAsync(byte[] key, Duration ttl) {
    return touchAsync(key, TouchOptions.of(ttl));
  }

  /** Asynchronous {@link #touch(byte[], TouchOptions)}. */
  public CompletableFuture<TouchResult> touchAsync(byte[] key, TouchOptions options) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    TouchRequest.Builder request = TouchRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setTtlMs(Protos.millis(options.ttl()))
        .setRequestId(options.requestId().orElseGet(() -> UUID.randomUUID().toString()));
    String token = tokenFor(options.sessionToken().orElse(null));
    if (token != null) {
      request.setSessionToken(token);
    }
    TouchRequest built = request.build();
    return caller.<io.edgekv.api.v1.TouchResponse>call("touch", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).touch(built, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.touchResult(r);
        });
  }

  /**
   * Adds {@code delta} (may be negative, not 0) to the counter at {@code key}, creating it at 0
   * when absent. Counters are per-region PN counters: increments made in different regions at
   * the same time all count once the regions converge (no lost update), and the counter reads
   * like any value (its total in decimal text). Carries one request id on all its attempts, so
   * a retried increment counts once — within a region: request ids are remembered per region, so
   * a client whose endpoints span regions may count an increment twice when an attempt that did
   * apply timed out and the retry went to another region (docs/consistency.md, "Retries"). Give
   * clients that increment the endpoints of one region.
   *
   * @return the total as the answering region sees it right after the increment
   * @throws ConditionFailedException if the key holds a value that is not a counter
   * @throws EdgeKvException {@code OUT_OF_RANGE} if the total, or this region's share of the
   *     increments or of the decrements, would leave the signed 64-bit range (nothing changes);
   *     {@code INVALID_ARGUMENT} if {@code delta} is 0 or {@code Long.MIN_VALUE}; on any other
   *     failure too: after {@code UNAVAILABLE} or {@code DEADLINE_EXCEEDED} the increment may or
   *     may not have been applied (once)
   */
  public CounterResult increment(String key, long delta) {
    return await(incrementAsync(utf8(key, "key"), delta));
  }

  /** Asynchronous {@link #increment(String, long)} for a binary key. */
  public CompletableFuture<CounterResult> incrementAsync(byte[] key, long delta) {
    Objects.requireNonNull(key, "key");
    if (delta == 0) {
      throw new IllegalArgumentException("delta must not be 0");
    }
    io.edgekv.api.v1.IncrementRequest.Builder request = io.edgekv.api.v1.IncrementRequest.newBuilder()
        .setNamespace(namespace)
        .setKey(ByteString.copyFrom(key))
        .setDelta(delta)
        .setRequestId(UUID.randomUUID().toString());
    String token = tokenFor(null);
    if (token != null) {
      request.setSessionToken(token);
    }
    io.edgekv.api.v1.IncrementRequest built = request.build();
    return caller.<io.edgekv.api.v1.IncrementResponse>call("increment", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).increment(built, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return new CounterResult(r.getValue(), Protos.version(r.getVersion()), Protos.servedBy(r.getServedBy()),
              r.getSessionToken());
        });
  }

  /**
   * Starts an atomic transaction in this client's namespace: add checks, puts and deletes, then
   * {@link Txn#commit()}. See {@link Txn} for its guarantees.
   */
  public Txn txn() {
    return new Txn(this);
  }

  /** The request a transaction sends, scoped to this client: its namespace and session. */
  TxnRequest prepareTxn(TxnRequest.Builder request, String explicitSessionToken) {
    request.setNamespace(namespace);
    String token = tokenFor(explicitSessionToken);
    if (token != null) {
      request.setSessionToken(token);
    }
    return request.build();
  }

  CompletableFuture<TxnResult> commitTxn(TxnRequest request) {
    return caller.<io.edgekv.api.v1.TxnResponse>call("txn", (ch, d, obs) ->
            KvServiceGrpc.newStub(ch).withDeadline(d).txn(request, obs))
        .thenApply(r -> {
          remember(r.getSessionToken());
          return Protos.txnResult(r);
        });
  }

  // ---------------------------------------------------------------- admin

  /**
   * The admin API of the node at this client's first endpoint.
   *
   * @see AdminClient
   */
  public AdminClient admin() {
    return new AdminClient(this, caller, 0, endpoints.get(0));
  }

  /**
   * The admin API of the node at {@code endpoint}, which must be one of this client's endpoints
   * (admin calls use the client's channels).
   *
   * @throws IllegalArgumentException naming {@code endpoint} if it is malformed or not one of
   *     the client's endpoints
   * @see AdminClient
   */
  public AdminClient admin(String endpoint) {
    Endpoint asked = Endpoint.parse("endpoint", endpoint);
    int index = endpoints.indexOf(asked);
    if (index < 0) {
      throw new IllegalArgumentException(
          "endpoint: '" + endpoint + "' is not one of the client's endpoints " + endpoints());
    }
    return new AdminClient(this, caller, index, asked);
  }

  /**
   * The status of the fleet as the node asked sees it ({@code AdminService.Status}), or of
   * that node only when {@code local} is true; the same as {@code admin().status(local)}.
   *
   * @throws EdgeKvException if the call fails
   */
  public StatusResponse adminStatus(boolean local) {
    return admin().status(local);
  }

  /** Asynchronous {@link #adminStatus(boolean)}. */
  public CompletableFuture<StatusResponse> adminStatusAsync(boolean local) {
    return admin().statusAsync(local);
  }

  // ---------------------------------------------------------------- state

  /**
   * The latest session token this client received, or null if it has received none yet. Pass
   * it to another client (e.g. in a later request of the same user) to carry the session on.
   */
  public String sessionToken() {
    return sessionToken.get();
  }

  /** The namespace every call of this client is scoped to. */
  public String namespace() {
    return namespace;
  }

  /** The endpoints, as {@code host:port}, in the order given. */
  public List<String> endpoints() {
    return endpoints.stream().map(Endpoint::toString).toList();
  }

  /** The deadline of each call, retries included. */
  public Duration deadline() {
    return deadline;
  }

  /** The TLS trust and bearer token this client's channels use. */
  ClientCredentials credentials() {
    return credentials;
  }

  /** The executor callbacks run on, or null for gRPC's shared pool ({@link Builder#executor}). */
  Executor executor() {
    return executor;
  }

  /** The retry policy. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /**
   * Shuts the client down: no new call is accepted (they fail with {@code CANCELLED}), calls
   * in flight get up to 5 seconds to finish, then every channel is closed and calls still
   * pending fail with {@code CANCELLED}. Idempotent; blocks for at most about 5 seconds.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    caller.shutdown();
    channels.forEach(ManagedChannel::shutdown);
    long deadlineNanos = System.nanoTime() + CLOSE_GRACE.toNanos();
    try {
      for (ManagedChannel channel : channels) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || !channel.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          channel.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    } finally {
      scheduler.shutdownNow();
      caller.failPending();
    }
  }

  @Override
  public String toString() {
    return "EdgeKvClient{endpoints=" + endpoints + ", namespace=" + namespace + "}";
  }

  private String tokenFor(String explicit) {
    return explicit != null ? explicit : sessionToken.get();
  }

  private void remember(String token) {
    if (token != null && !token.isEmpty()) {
      sessionToken.set(token);
    }
  }

  private static byte[] utf8(String s, String name) {
    return Objects.requireNonNull(s, name).getBytes(StandardCharsets.UTF_8);
  }

  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new EdgeKvException(Status.Code.CANCELLED, "interrupted while waiting for the call", e);
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  /**
   * Builds an {@link EdgeKvClient}. Every setter rejects an invalid value at once with an
   * {@link IllegalArgumentException} (or {@link NullPointerException}) whose message names
   * the option. Not thread-safe.
   */
  public static final class Builder {
    private final List<Endpoint> endpoints = new ArrayList<>();
    private String namespace = "default";
    private Duration deadline = Duration.ofSeconds(5);
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private String sessionToken;
    /** For tests; null = real channels (on {@link #executor}). */
    private Function<Endpoint, ManagedChannel> channelFactory;
    private Duration drainingDemotion = DEFAULT_DRAINING_DEMOTION;
    private LongSupplier nanoTime = System::nanoTime;
    private Executor executor;
    private ClientCredentials credentials = ClientCredentials.NONE;

    private Builder() {}

    /**
     * Sets the TLS trust and the bearer token of every call (DESIGN section 10); default
     * {@link ClientCredentials#NONE}: plaintext, no token.
     *
     * @throws NullPointerException if null
     */
    public Builder credentials(ClientCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * Adds one endpoint, {@code HOST:PORT} (an IPv6 host in brackets: {@code [::1]:7400}).
     *
     * @throws IllegalArgumentException naming {@code endpoint} if malformed, or if it was
     *     already added
     */
    public Builder endpoint(String endpoint) {
      add("endpoint", endpoint);
      return this;
    }

    /**
     * Replaces the endpoints. The client starts with the first one and fails over to the
     * others in order.
     *
     * @throws IllegalArgumentException naming {@code endpoints} if one is malformed or
     *     appears twice
     * @throws NullPointerException if the list is null
     */
    public Builder endpoints(List<String> endpoints) {
      Objects.requireNonNull(endpoints, "endpoints");
      this.endpoints.clear();
      for (String e : endpoints) {
        add("endpoints", e);
      }
      return this;
    }

    private void add(String option, String text) {
      Endpoint endpoint = Endpoint.parse(option, text);
      if (endpoints.contains(endpoint)) {
        throw new IllegalArgumentException(option + ": duplicate endpoint '" + text + "'");
      }
      endpoints.add(endpoint);
    }

    /**
     * Sets the namespace (tenant) every call is scoped to; default {@code "default"}.
     *
     * @throws IllegalArgumentException if empty or blank
     * @throws NullPointerException if null
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      if (namespace.isBlank()) {
        throw new IllegalArgumentException("namespace must not be empty");
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * Sets the deadline of each call, all its attempts and backoffs included; default 5 s.
     *
     * @throws IllegalArgumentException if zero or negative
     * @throws NullPointerException if null
     */
    public Builder deadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive, got " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /**
     * Sets the retry policy; default {@link RetryPolicy#defaults()}.
     *
     * @throws NullPointerException if null
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Starts the client's session from a token an earlier client received (see {@link
     * EdgeKvClient#sessionToken()}); null or empty starts a fresh session.
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
      return this;
    }

    /**
     * Sets how long an endpoint that reported it is draining is tried only after the others;
     * default 30 s. Zero turns the demotion off.
     *
     * @throws IllegalArgumentException naming {@code drainingDemotion} if negative
     * @throws NullPointerException if null
     */
    public Builder drainingDemotion(Duration drainingDemotion) {
      Objects.requireNonNull(drainingDemotion, "drainingDemotion");
      if (drainingDemotion.isNegative()) {
        throw new IllegalArgumentException("drainingDemotion must not be negative, got " + drainingDemotion);
      }
      this.drainingDemotion = drainingDemotion;
      return this;
    }

    /**
     * Runs the client's callbacks (Watch listeners and {@code NearCache} invalidations, also
     * through an {@link InvalidationClient#of} this client) on {@code executor} instead of gRPC's
     * shared cached thread pool, which hands every message to a pool thread. A direct executor
     * ({@code Runnable::run}) runs them on the network thread that received the message: the
     * least overhead for a process that holds many watches, but then a listener must never block.
     *
     * @throws NullPointerException if null
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Replaces the clock that times demotions; for tests. */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /** Replaces how channels are opened; for tests over in-process transport. */
    Builder channelFactory(Function<Endpoint, ManagedChannel> channelFactory) {
      this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
      return this;
    }

    /**
     * Builds the client and opens one channel per endpoint (connections are made lazily, on
     * the first call).
     *
     * @throws IllegalStateException naming {@code endpoints} if no endpoint was given
     */
    public EdgeKvClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("endpoints: at least one endpoint is required");
      }
      return new EdgeKvClient(this);
    }
  }
}
