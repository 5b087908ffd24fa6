package io.edgekv.node.metrics;

import io.edgekv.api.v1.Consistency;
import io.edgekv.invalidation.BufferBudget;
import io.edgekv.invalidation.InvalidationBus;
import io.edgekv.invalidation.Subscription;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.gossip.LagReport;
import io.edgekv.replication.hlc.HybridClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import io.edgekv.replication.raft.RegionReplica;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * One node's meters, in its own registry (several nodes share a process in {@code edgekv dev}),
 * scraped from {@code /metrics}. Names are stable and low-cardinality: no key or id in a name
 * or a tag.
 */
public final class NodeMetrics implements AutoCloseable {
  public static final String REQUEST_LATENCY = "edgekv.request.latency";
  private static final List<String> OPS = List.of("get", "batch_get", "put", "delete", "scan", "touch", "txn", "increment");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public NodeMetrics(String nodeId, String region) {
    registry.config().commonTags("node", nodeId, "region", region);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
    // Publish the histogram buckets of the common successful calls from the start, so
    // dashboards and alerts see the series before the first request.
    for (String op : OPS) {
      requestTimer(op, List.of("put", "delete", "touch", "txn", "increment").contains(op) ? "none" : consistencyTag(Consistency.EVENTUAL), "OK");
    }
  }

  /** Time from proposing a write to its commit and apply on the leader. */
  public Timer raftCommitTimer() {
    return Timer.builder("edgekv.raft.commit.latency")
        .description("Time from proposing a command to the region's Raft group until the leader applied it")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** Per-shard gauges of this replica: apply lag, RocksDB size and compaction state. */
  public void bindShardGauges(RegionReplica replica) {
    for (int shard = 0; shard < replica.shards(); shard++) {
      int s = shard;
      Tags tags = Tags.of("shard", String.valueOf(shard));
      Gauge.builder("edgekv.raft.apply.lag.entries", () -> {
        var group = replica.groups().get(s);
        return Math.max(0, group.commitIndex() - group.appliedIndex());
      }).description("Committed entries this replica has not applied yet").tags(tags).register(registry);
      Gauge.builder("edgekv.raft.applied.index", () -> replica.appliedIndex(s).get())
          .description("Applied Raft index of this replica").tags(tags).register(registry);
      Gauge.builder("edgekv.rocksdb.size.bytes", () -> rocks(replica, s, "size"))
          .description("Live SST files plus memtables").tags(tags).register(registry);
      Gauge.builder("edgekv.rocksdb.compaction.pending", () -> rocks(replica, s, "rocksdb.compaction-pending"))
          .description("1 when RocksDB has compactions pending").tags(tags).register(registry);
      Gauge.builder("edgekv.rocksdb.write.stopped", () -> rocks(replica, s, "rocksdb.is-write-stopped"))
          .description("1 while RocksDB stalls writes").tags(tags).register(registry);
      Gauge.builder("edgekv.rocksdb.running.compactions", () -> rocks(replica, s, "rocksdb.num-running-compactions"))
          .description("Compactions running now").tags(tags).register(registry);
    }
  }

  private static double rocks(RegionReplica replica, int shard, String property) {
    try {
      return property.equals("size")
          ? (double) replica.reads().sizeBytes(shard) : (double) replica.reads().storageProperty(shard, property);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** What background re-encryption has left to do on this node (records under an older key). */
  public void bindReEncryption(LongSupplier remaining) {
    Gauge.builder("edgekv.security.records.under.old.keys", remaining::getAsLong)
        .description("Records on this node still sealed under an older data or master key").register(registry);
  }

  /** Remote batches refused because a timestamp was too far ahead of this node's clock. */
  public Counter refusedClockSkew() {
    return Counter.builder("edgekv.replication.refused.clock.skew")
        .description("Cross-region batches refused: a timestamp was more than replication.maxClockOffset ahead")
        .register(registry);
  }

  /**
   * Replication lag per region pair (this node's region to each other region), as this node's
   * shard leaders last learned it: entries not yet applied there, and the age of the oldest.
   */
  public void bindReplicationLag(Supplier<List<LagReport>> lag) {
    this.lag = lag;
  }

  private volatile Supplier<List<LagReport>> lag = List::of;
  private final Set<String> lagGauges = ConcurrentHashMap.newKeySet();

  /** Registers gauges for region pairs seen so far (called periodically; gauges read the latest report). */
  public void refreshLagGauges() {
    for (LagReport report : lag.get()) {
      String key = report.toRegion() + "/" + report.shard();
      if (lagGauges.add(key)) {
        Tags tags = Tags.of("to_region", report.toRegion(), "shard", String.valueOf(report.shard()));
        Gauge.builder("edgekv.replication.lag.entries", () -> find(key).entries())
            .description("Entries this region holds that the other region has not applied")
            .tags(tags).register(registry);
        Gauge.builder("edgekv.replication.lag.seconds", () -> find(key).ageMillis() / 1000.0)
            .description("Age of the oldest entry the other region has not applied")
            .tags(tags).register(registry);
      }
    }
  }

  private LagReport find(String key) {
    return lag.get().stream().filter(r -> (r.toRegion() + "/" + r.shard()).equals(key)).findFirst()
        .orElse(new LagReport("", 0, 0, 0, 0, false));
  }

  /**
   * Records, for every change from another region that this node applies, the time from its
   * origin's stamp (the HLC's physical part) to now: propagation as this node sees it, per origin
   * region ({@code edgekv.replication.propagation{from_region}}, a histogram). Includes the
   * clock offset between the regions (bounded by replication.maxClockOffset); runs on the apply
   * thread, so it only records.
   */
  public ChangeListener remotePropagation(String localRegion, Clock clock) {
    Map<String, Timer> timers = new ConcurrentHashMap<>();
    return event -> {
      String origin = event.getOriginRegion();
      if (origin.isEmpty() || origin.equals(localRegion)) {
        return;
      }
      long age = clock.millis() - HybridClock.physicalMillis(event.getVersion().getHlc());
      timers.computeIfAbsent(origin, from -> Timer.builder("edgekv.replication.propagation")
          .description("Time from a change's stamp in its origin region to its apply on this node")
          .tag("from_region", from)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofMinutes(5))
          .register(registry)).record(Math.max(0, age), TimeUnit.MILLISECONDS);
    };
  }

  /** Time from a change reaching this node's invalidation bus (apply) to its send on a Watch stream. */
  public Timer invalidationFanout() {
    return Timer.builder("edgekv.invalidation.fanout.latency")
        .description("Time from applying a change to sending it to a Watch subscriber")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** RESETs sent to Watch subscribers (overrun buffers, positions that cannot be resumed). */
  public Counter watchResets() {
    return Counter.builder("edgekv.invalidation.resets")
        .description("RESETs sent to Watch subscribers")
        .register(registry);
  }

  /** The number of open Watch streams on this node. */
  public void bindWatchers(IntSupplier watchers) {
    Gauge.builder("edgekv.invalidation.subscribers", watchers::getAsInt)
        .description("Open Watch streams on this node")
        .register(registry);
  }

  /**
   * What the node buffers for Watch subscribers: bytes held now (against
   * {@code invalidation.nodeBufferBytes}) and subscriptions overrun (dropped to a RESET) by the
   * limit they passed: {@code stream_events}, {@code stream_bytes} or {@code node_bytes}.
   */
  public void bindWatchBuffers(InvalidationBus bus) {
    Gauge.builder("edgekv.invalidation.buffered.bytes", bus.budget(), BufferBudget::used)
        .description("Bytes of changes buffered for Watch subscribers that have not taken them yet")
        .baseUnit("bytes")
        .register(registry);
    for (Subscription.Overrun cause : Subscription.Overrun.values()) {
      FunctionCounter.builder("edgekv.invalidation.overruns", bus, b -> b.overruns(cause))
          .description("Watch subscriptions dropped to a RESET because they fell behind past a buffer limit")
          .tag("limit", cause.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Timer requestTimer(String op, String consistency, String status) {
    return Timer.builder(REQUEST_LATENCY)
        .description("Public API request latency by operation, consistency and gRPC status")
        .tags(Tags.of("op", op, "consistency", consistency, "status", status))
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  public static String consistencyTag(Consistency consistency) {
    return switch (consistency) {
      case CONSISTENCY_UNSPECIFIED, EVENTUAL, UNRECOGNIZED -> "eventual";
      case SESSION -> "session";
      case BOUNDED -> "bounded";
      case STRONG -> "strong";
    };
  }

  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
