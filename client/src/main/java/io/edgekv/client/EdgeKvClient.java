package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.IncrementResponse;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.KvServiceGrpc.KvServiceStub;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.api.v1.TouchResponse;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.api.v1.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
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
 *       {@linkplain EdgeKvClientBuilder#deadline(Duration) deadline} (default 5 s), plus scheduling jitter.
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
 *       EdgeKvClientBuilder#drainingDemotion(Duration) a while} (default 30 s): new calls try the other
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

  private final List<Endpoint> endpoints;
  private final List<ManagedChannel> channels;
  private final String namespace;
  private final Duration deadline;
  private final RetryPolicy retryPolicy;
  private final ScheduledExecutorService scheduler;
  private final FailoverCaller caller;
  private final AtomicReference<String> sessionToken;
  private final Requests requests;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Where callbacks run; null = gRPC's shared pool. */
  private final Executor executor;

  EdgeKvClient(EdgeKvClientBuilder b) {
    this.endpoints = List.copyOf(b.endpoints);
    this.namespace = b.namespace;
    this.deadline = b.deadline;
    this.retryPolicy = b.retryPolicy;
    this.executor = b.executor;
    this.sessionToken = new AtomicReference<>(b.sessionToken);
    this.requests = new Requests(namespace, sessionToken::get);
    List<ManagedChannel> opened = new ArrayList<>(endpoints.size());
    Function<Endpoint, ManagedChannel> channelFactory =
        b.channelFactory != null ? b.channelFactory : endpoint -> Channels.open(endpoint, executor);
    for (Endpoint e : endpoints) {
      opened.add(channelFactory.apply(e));
    }
    this.channels = List.copyOf(opened);
    this.scheduler = FailoverCaller.newRetryTimer();
    EndpointSelector selector = new EndpointSelector(endpoints.size(), b.drainingDemotion, b.nanoTime);
    this.caller = new FailoverCaller(endpoints, channels, selector, retryPolicy, deadline, scheduler);
  }

  /** A builder with the defaults: namespace {@code "default"}, 5 s deadline, default retries. */
  public static EdgeKvClientBuilder builder() {
    return new EdgeKvClientBuilder();
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
    return unary("get", requests.get(k, options), KvServiceStub::get, GetResponse::getSessionToken,
        r -> Protos.getResult(k, r));
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
    List<ByteString> ks = Requests.keys(keys);
    return unary("batchGet", requests.batchGet(ks, options), KvServiceStub::batchGet,
        BatchGetResponse::getSessionToken, r -> Protos.batchGetResults(ks, r));
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
    return unary("put", requests.put(key, value, options), KvServiceStub::put, PutResponse::getSessionToken,
        Protos::putResult);
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
    return unary("delete", requests.delete(key, options), KvServiceStub::delete, DeleteResponse::getSessionToken,
        Protos::deleteResult);
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
    return unary("scan", requests.scan(prefix, options), KvServiceStub::scan, ScanResponse::getSessionToken,
        Protos::scanPage);
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
    return () -> new ScanPages(options, pageOptions -> scan(p, pageOptions));
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
    return unary("touch", requests.touch(key, options), KvServiceStub::touch, TouchResponse::getSessionToken,
        Protos::touchResult);
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
    return unary("increment", requests.increment(key, delta), KvServiceStub::increment,
        IncrementResponse::getSessionToken,
        r -> new CounterResult(r.getValue(), Protos.version(r.getVersion()), Protos.servedBy(r.getServedBy()),
            r.getSessionToken()));
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
    return requests.txn(request, explicitSessionToken);
  }

  CompletableFuture<TxnResult> commitTxn(TxnRequest request) {
    return unary("txn", request, KvServiceStub::txn, TxnResponse::getSessionToken, Protos::txnResult);
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

  /** The executor callbacks run on, or null for gRPC's shared pool ({@link EdgeKvClientBuilder#executor}). */
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
    try {
      Channels.close(channels, CLOSE_GRACE);
    } finally {
      scheduler.shutdownNow();
      caller.failPending();
    }
  }

  @Override
  public String toString() {
    return "EdgeKvClient{endpoints=" + endpoints + ", namespace=" + namespace + "}";
  }

  /** One method of the key-value service, as the async stub offers it ({@code KvServiceStub::get}). */
  @FunctionalInterface
  private interface KvMethod<Q, R> {
    void call(KvServiceStub stub, Q request, StreamObserver<R> observer);
  }

  /**
   * Every key-value call: sends {@code request} through the failover caller, remembers the
   * session token the response carries, and converts the response for the caller.
   */
  private <Q, R, T> CompletableFuture<T> unary(
      String op, Q request, KvMethod<Q, R> method, Function<R, String> sessionOf, Function<R, T> convert) {
    return caller.<R>call(op, (channel, d, observer) ->
            method.call(KvServiceGrpc.newStub(channel).withDeadline(d), request, observer))
        .thenApply(response -> {
          remember(sessionOf.apply(response));
          return convert.apply(response);
        });
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
}
