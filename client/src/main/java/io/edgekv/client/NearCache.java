package io.edgekv.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.nio.charset.StandardCharsets;

/**
 * A client-side cache of reads (Caffeine, bounded by size and time since load), kept correct by
 * a {@link Watch} on the same namespace: every change event drops the entries it covers (a key
 * change that key; a prefix or tag purge every cached entry under the prefix or with the tag;
 * entries carry their tags).
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>While the watch is live and its node keeps up with its region, an entry is served until
 *       an event covers it: its staleness is the time the event takes to arrive (typically
 *       milliseconds). The watch asks for progress events (every quarter of {@code
 *       maxStaleness}, 100 ms to 1 s); each confirms that everything the node had applied was
 *       delivered and how far behind its Raft leader the node was.
 *   <li>Without a recent confirmation — the watch is down (reconnecting), or connected to a node
 *       cut off from its leader, which then sends none — an entry is served only until {@code
 *       maxStaleness} has passed since the later of its load and the last confirmation; then it
 *       is reloaded. A watch that resumes without a gap keeps the entries; a RESET (or a restart
 *       without a resumable position) drops them all.
 *   <li>Misses are read {@code BOUNDED} by {@code maxStaleness} (unless {@code readOptions} says
 *       otherwise): a node further behind answers after a read index or fails, and the client
 *       tries its next endpoint, so a reload is not filled from the stale node either.
 *   <li>A load that overlaps an event covering its key is returned to its caller but not cached
 *       (the classic invalidation/fill race, as memcache's leases prevent it), and a load whose
 *       version is older than one already announced by an event is not cached either.
 *   <li>Miss coalescing (default on): concurrent misses of one key share one server read.
 *   <li>Stale-if-error (default off): when the server read fails with a transient error, an
 *       entry that is too old to serve but still held is returned instead of the error.
 * </ul>
 *
 * Reads go through the {@link EdgeKvClient} (its endpoint order);
 * the watch uses the same endpoints in the same order, so both normally talk to one node, whose
 * events are applied before they are sent. Soft purges are treated like hard ones (the entry
 * is dropped and reloaded; the server then returns it flagged stale).
 *
 * <p>Thread-safe. Close it to stop the watch.
 */
public final class NearCache implements AutoCloseable, MeterBinder {
  private final EdgeKvClient client;
  private final InvalidationClient invalidation;
  private final boolean ownsInvalidation;
  private final Cache<ByteString, Cached> entries;
  private final Cache<ByteString, Floor> floors;
  private final ConcurrentHashMap<ByteString, Load> loading = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final long maxStalenessNanos;
  private final boolean staleIfError;
  private final boolean coalesceMisses;
  private final LongSupplier nanoTime;
  private final Clock clock;
  private final ReadOptions readOptions;
  private final String name;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder staleServed = new LongAdder();
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder resets = new LongAdder();
  private final Watch watch;
  private volatile boolean live;
  /** When (this process's nanoTime) everything cached was last confirmed complete by the watch. */
  private volatile long confirmedNanos = Long.MIN_VALUE / 2;

  private record Cached(GetResult result, long loadedAtNanos) {}

  /** The newest version an event announced for a key, and whether it was a write (vs. a removal). */
  private record Floor(Version version, boolean write) {}

  private static final class Load {
    final CompletableFuture<GetResult> future = new CompletableFuture<>();
    final long epoch;
    final long startNanos;
    volatile boolean invalidated;

    Load(long epoch, long startNanos) {
      this.epoch = epoch;
      this.startNanos = startNanos;
    }
  }

  private NearCache(Builder b) {
    this.client = b.client;
    this.ownsInvalidation = b.invalidation == null;
    this.invalidation = ownsInvalidation ? InvalidationClient.of(b.client) : b.invalidation;
    this.maxStalenessNanos = b.maxStaleness.toNanos();
    this.staleIfError = b.staleIfError;
    this.coalesceMisses = b.coalesceMisses;
    this.nanoTime = b.nanoTime;
    this.clock = b.clock;
    this.readOptions = b.readOptions != null ? b.readOptions
        : ReadOptions.bounded(b.maxStaleness.isZero() ? Duration.ofMillis(1) : b.maxStaleness);
    this.name = b.name;
    Ticker ticker = nanoTime::getAsLong;
    this.entries = Caffeine.newBuilder().maximumSize(b.maximumSize).expireAfterWrite(b.expireAfterWrite)
        .ticker(ticker).build();
    this.floors = Caffeine.newBuilder().maximumSize(Math.max(1_000, b.maximumSize))
        .expireAfterWrite(Duration.ofMinutes(1)).ticker(ticker).build();
    WatchOptions.Builder watchOptions = WatchOptions.builder().progressInterval(progressInterval(b.maxStaleness));
    b.prefixes.forEach(watchOptions::prefix);
    this.watch = invalidation.watch(watchOptions.build(), new Listener());
  }

  /** A quarter of the staleness bound, within the 100 ms to 1 s the server accepts and this needs. */
  static Duration progressInterval(Duration maxStaleness) {
    long millis = Math.max(100, Math.min(1_000, maxStaleness.toMillis() / 4));
    return Duration.ofMillis(millis);
  }

  /** A builder for a near cache over {@code client} (its endpoints, namespace and deadline). */
  public static Builder builder(EdgeKvClient client) {
    return new Builder(client);
  }

  /** Reads {@code key} (UTF-8): from memory when allowed, else from the server. */
  public GetResult get(String key) {
    return get(Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads {@code key}: from memory when allowed (see the class guarantees), else from the server.
   *
   * @throws EdgeKvException if the server read fails (and stale-if-error has nothing to serve)
   */
  public GetResult get(byte[] key) {
    return EdgeKvClient.await(getAsync(key));
  }

  /** Asynchronous {@link #get(byte[])}. */
  public CompletableFuture<GetResult> getAsync(byte[] key) {
    ByteString k = ByteString.copyFrom(Objects.requireNonNull(key, "key"));
    Cached cached = entries.getIfPresent(k);
    if (cached != null && servable(cached)) {
      hits.increment();
      return CompletableFuture.completedFuture(cached.result());
    }
    misses.increment();
    return load(k, cached);
  }

  /**
   * An entry is known correct as of the later of its load and the watch's last confirmation
   * (a progress event: every change the node had applied was delivered, and the node was at most
   * so far behind its leader). It is served while that is within the maximum staleness: with a
   * healthy watch, always; with a broken watch, or a connected one whose node lost touch with its
   * leader (no confirmations), only until the bound runs out.
   */
  private boolean servable(Cached cached) {
    Instant expiresAt = cached.result().found() ? cached.result().expiresAt() : null;
    if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
      return false;
    }
    long knownCorrectAt = Math.max(cached.loadedAtNanos(), confirmedNanos);
    return nanoTime.getAsLong() - knownCorrectAt <= maxStalenessNanos;
  }

  private CompletableFuture<GetResult> load(ByteString key, Cached previous) {
    Load load = new Load(epoch.get(), nanoTime.getAsLong());
    if (coalesceMisses) {
      Load running = loading.putIfAbsent(key, load);
      if (running != null) {
        return running.future;
      }
    }
    client.getAsync(key.toByteArray(), readOptions).whenComplete((result, error) -> {
      loading.remove(key, load);
      if (error != null) {
        loadFailures.increment();
        EdgeKvException translated = Errors.translate(error);
        if (staleIfError && previous != null && translated.isTransient()) {
          staleServed.increment();
          load.future.complete(previous.result());
        } else {
          load.future.completeExceptionally(translated);
        }
        return;
      }
      if (!load.invalidated && epoch.get() == load.epoch && !olderThanAnnounced(key, result)) {
        entries.put(key, new Cached(result, load.startNanos));
      }
      load.future.complete(result);
    });
    return load.future;
  }

  private boolean olderThanAnnounced(ByteString key, GetResult result) {
    Floor floor = floors.getIfPresent(key);
    if (floor == null) {
      return false;
    }
    return result.found() ? result.version().compareTo(floor.version()) < 0 : floor.write();
  }

  /** Counters since the cache was built. */
  public NearCacheStats stats() {
    return new NearCacheStats(hits.sum(), misses.sum(), loadFailures.sum(), staleServed.sum(), invalidations.sum(),
        resets.sum());
  }

  /**
   * Registers this cache's meters (Micrometer), tagged {@code cache=<name>} (builder option
   * {@code name}, default {@code default}): {@code edgekv.client.near.cache.requests} (function
   * counter, tag {@code result=hit|miss}), {@code ...hit.ratio} (gauge, hits / requests since
   * build), {@code ...size}, {@code ...live} (1 while the watch keeps the cache correct),
   * {@code ...invalidations}, {@code ...resets}, {@code ...load.failures} and
   * {@code ...stale.served}. With a Prometheus registry the names read
   * {@code edgekv_client_near_cache_requests_total{result="hit"}} and so on.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    String prefix = "edgekv.client.near.cache.";
    Tags tags = Tags.of("cache", name);
    FunctionCounter.builder(prefix + "requests", hits, LongAdder::sum).tags(tags).tag("result", "hit")
        .description("near-cache reads served from memory").register(registry);
    FunctionCounter.builder(prefix + "requests", misses, LongAdder::sum).tags(tags).tag("result", "miss")
        .description("near-cache reads that went to the server").register(registry);
    Gauge.builder(prefix + "hit.ratio", this, NearCache::hitRatio).tags(tags)
        .description("hits / (hits + misses) since the cache was built").register(registry);
    Gauge.builder(prefix + "size", this, cache -> cache.size()).tags(tags)
        .description("entries held").register(registry);
    Gauge.builder(prefix + "live", this, cache -> cache.isLive() ? 1 : 0).tags(tags)
        .description("1 while the watch stream keeps the cache correct, else 0").register(registry);
    FunctionCounter.builder(prefix + "invalidations", invalidations, LongAdder::sum).tags(tags)
        .description("entries or loads dropped by change events").register(registry);
    FunctionCounter.builder(prefix + "resets", resets, LongAdder::sum).tags(tags)
        .description("times every entry was dropped (RESET, or a watch restarted without resuming)").register(registry);
    FunctionCounter.builder(prefix + "load.failures", loadFailures, LongAdder::sum).tags(tags)
        .description("server reads that failed").register(registry);
    FunctionCounter.builder(prefix + "stale.served", staleServed, LongAdder::sum).tags(tags)
        .description("reads answered from an old entry because the server read failed").register(registry);
  }

  /** hits / (hits + misses) since the cache was built. */
  public double hitRatio() {
    return stats().hitRatio();
  }

  /** True while the watch keeping the cache correct is confirmed by a server. */
  public boolean isLive() {
    return live;
  }

  /**
   * Waits until the server confirmed the cache's watch (see {@link Watch#awaitWatching}).
   *
   * @throws EdgeKvException {@code DEADLINE_EXCEEDED} if it did not within {@code timeout}
   */
  public ServedBy awaitWatching(Duration timeout) {
    return watch.awaitWatching(timeout);
  }

  /** The number of entries held (including ones too old to serve). */
  public long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  /** Drops every entry. */
  public void invalidateAll() {
    epoch.incrementAndGet();
    dropLoads();
    entries.invalidateAll();
  }

  private void dropLoads() {
    for (Load load : new ArrayList<>(loading.values())) {
      load.invalidated = true;
    }
    loading.clear();
  }

  private void dropKey(ByteString key) {
    Load load = loading.remove(key);
    if (load != null) {
      load.invalidated = true;
    }
    entries.invalidate(key);
    invalidations.increment();
  }

  @Override
  public void close() {
    watch.close();
    if (ownsInvalidation) {
      invalidation.close();
    }
  }

  private final class Listener implements WatchListener {
    @Override
    public void onWatching(ServedBy servedBy, String position, boolean resumed) {
      if (!resumed) {
        // Changes before this fresh start were never seen: nothing held can be trusted.
        resets.increment();
        invalidateAll();
      }
      live = true;
    }

    @Override
    public void onEvent(InvalidationEvent event) {
      switch (event.kind()) {
        case PUBLISH -> { }
        case PUT, DELETE, EXPIRE -> {
          floors.asMap().merge(event.key(), new Floor(event.version(), event.kind() == InvalidationEvent.Kind.PUT),
              (a, b) -> a.version().compareTo(b.version()) >= 0 ? a : b);
          dropKey(event.key());
        }
        case PURGE -> {
          if (event.isKeyPurge()) {
            dropKey(event.key());
            return;
          }
          epoch.incrementAndGet();
          dropLoads();
          List<ByteString> covered = new ArrayList<>();
          entries.asMap().forEach((key, cached) -> {
            if (event.covers(key, cached.result().found() ? cached.result().tags() : List.of())) {
              covered.add(key);
            }
          });
          entries.invalidateAll(covered);
          invalidations.add(covered.size());
        }
      }
    }

    @Override
    public void onReset(String reason) {
      resets.increment();
      invalidateAll();
    }

    @Override
    public void onProgress(Duration staleness) {
      long at = nanoTime.getAsLong() - staleness.toNanos();
      if (at > confirmedNanos) {
        confirmedNanos = at;
      }
    }

    @Override
    public void onDisconnected(EdgeKvException cause, boolean willRetry) {
      live = false;
    }
  }

  /**
   * Builds a {@link NearCache}; setters reject invalid values at once naming the option. Not
   * thread-safe.
   */
  public static final class Builder {
    private final EdgeKvClient client;
    private InvalidationClient invalidation;
    private long maximumSize = 10_000;
    private Duration expireAfterWrite = Duration.ofMinutes(10);
    private Duration maxStaleness = Duration.ofSeconds(2);
    private boolean staleIfError;
    private boolean coalesceMisses = true;
    private final List<String> prefixes = new ArrayList<>();
    private ReadOptions readOptions;
    private LongSupplier nanoTime = System::nanoTime;
    private Clock clock = Clock.systemUTC();
    private String name = "default";

    private Builder(EdgeKvClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** The most entries held (default 10,000); the least recently/frequently used go first. */
    public Builder maximumSize(long maximumSize) {
      if (maximumSize < 1) {
        throw new IllegalArgumentException("maximumSize: must be at least 1, got " + maximumSize);
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /** How long an entry is held after it was loaded, whatever happens (default 10 min). */
    public Builder expireAfterWrite(Duration ttl) {
      if (Objects.requireNonNull(ttl, "expireAfterWrite").isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("expireAfterWrite: must be positive, got " + ttl);
      }
      this.expireAfterWrite = ttl;
      return this;
    }

    /** While the watch is down, the oldest entry (time since load) still served (default 2 s). */
    public Builder maxStaleness(Duration maxStaleness) {
      if (Objects.requireNonNull(maxStaleness, "maxStaleness").isNegative()) {
        throw new IllegalArgumentException("maxStaleness: must not be negative, got " + maxStaleness);
      }
      this.maxStaleness = maxStaleness;
      return this;
    }

    /** Serve a held entry, however old, when the server read fails with a transient error (default false). */
    public Builder staleIfError(boolean staleIfError) {
      this.staleIfError = staleIfError;
      return this;
    }

    /** One server read per key at a time, shared by concurrent misses (default true). */
    public Builder coalesceMisses(boolean coalesceMisses) {
      this.coalesceMisses = coalesceMisses;
      return this;
    }

    /**
     * Cache only keys under these prefixes (repeatable; default: every key of the namespace).
     * The watch subscribes to these prefixes only, so keys outside must not be read through
     * this cache.
     */
    public Builder prefix(String prefix) {
      if (Objects.requireNonNull(prefix, "prefix").isEmpty()) {
        throw new IllegalArgumentException("prefix: must not be empty");
      }
      prefixes.add(prefix);
      return this;
    }

    /**
     * The read options of server reads (default {@code BOUNDED} by the maximum staleness, so a
     * miss is never filled from a node further behind its region than the bound: such a node
     * answers after a read index, or fails and the client tries the next endpoint).
     */
    public Builder readOptions(ReadOptions readOptions) {
      this.readOptions = Objects.requireNonNull(readOptions, "readOptions");
      return this;
    }

    /** Use this invalidation client for the watch (not closed with the cache). */
    public Builder invalidationClient(InvalidationClient invalidation) {
      this.invalidation = Objects.requireNonNull(invalidation, "invalidationClient");
      return this;
    }

    /** For tests: the monotonic clock of ages and Caffeine's expiry. */
    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /** The wall clock entries' expiry times are compared with (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The {@code cache} tag of this cache's meters (see {@link NearCache#bindTo}; default {@code default}). */
    public Builder name(String name) {
      if (Objects.requireNonNull(name, "name").isBlank()) {
        throw new IllegalArgumentException("name: must not be blank");
      }
      this.name = name;
      return this;
    }

    /** Builds the cache and starts its watch. */
    public NearCache build() {
      return new NearCache(this);
    }
  }
}
