package io.edgekv.node;

import io.edgekv.invalidation.InvalidationBus;
import io.edgekv.node.admin.AdminServiceImpl;
import io.edgekv.node.admin.InternalServiceImpl;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.node.admin.KeyTraces;
import io.edgekv.node.admin.LeaderForwarder;
import io.edgekv.replication.pipeline.PipelineLimits;
import io.grpc.health.v1.HealthGrpc;
import io.edgekv.node.admin.NodeControl;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.gossip.EmulatedWan;
import io.edgekv.replication.gossip.RegionTransport;
import io.edgekv.replication.gossip.Shipper;
import io.edgekv.replication.gossip.Watermarks;
import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.api.NodeUnavailableException;
import io.grpc.BindableService;
import io.edgekv.node.admin.LocalStatus;
import io.edgekv.node.api.KvServiceImpl;
import io.edgekv.node.api.MemberGuard;
import io.edgekv.node.api.ReadBarriers;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.config.TuningSettings;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.node.http.HttpEndpoints;
import io.edgekv.node.invalidation.ReplicaChangelog;
import io.edgekv.node.metrics.NodeMetrics;
import io.edgekv.node.security.NodeSecurity;
import io.edgekv.node.security.ReEncryptionTask;
import io.edgekv.node.watch.InvalidationServiceImpl;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.raft.Peer;
import io.edgekv.replication.raft.RaftTuning;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.DiskSpace;
import io.edgekv.replication.storage.StorageOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * One EdgeKV node: its region replica (RocksDB + Raft), its invalidation bus, the public and
 * internal gRPC servers and the HTTP endpoints. Nothing is shared between nodes of one
 * process: each has its own servers, registry, clock and threads.
 */
public final class EdgeKvNode implements AutoCloseable, NodeControl {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeKvNode.class);

  private final NodeConfig config;
  private final TuningSettings tuning;
  /** Chaos self-test bugs only; NONE on every real node. */
  private final UnsafeSwitches unsafe;
  private final RegionReplica replica;
  private final InvalidationBus bus;
  private final NodeMetrics metrics;
  private final Readiness readiness;
  private final HealthStatusManager health = new HealthStatusManager();
  /** Data calls of the public port (reads, writes, Watch); none of them blocks on a write's commit. */
  private final ExecutorService grpcExecutor;
  /** The internal port: never queues behind public calls. */
  private final ExecutorService internalExecutor;
  /** Admin and health calls of the public port: answered even when data calls are saturated. */
  private final ExecutorService adminExecutor;
  private final Transport.ConnectionCounts publicConnections = new Transport.ConnectionCounts();
  private final Transport.ConnectionCounts internalConnections = new Transport.ConnectionCounts();
  private Watchdog watchdog;
  private final ScheduledExecutorService background;
  private final Map<String, ManagedChannel> internalChannels = new ConcurrentHashMap<>();
  private volatile Server publicServer;
  private List<BindableService> publicServices;
  private final List<Server> retiredServers = new CopyOnWriteArrayList<>();
  private Server internalServer;
  private HttpEndpoints http;
  private final Clock clock;
  private final NodeSecurity security;
  private final ScheduledExecutorService replicationScheduler;
  private RegionTransport regionTransport;
  private EmulatedWan wan;
  private Shipper shipper;
  private InvalidationServiceImpl invalidation;
  private volatile boolean closed;
  private long ticks;
  private volatile ReEncryptionTask reencryption;

  /** A node on {@code clock}, the real disk and no unsafe switch. */
  public EdgeKvNode(NodeConfig config, Clock clock) {
    this(config, NodeEnvironment.of(clock));
  }

  public EdgeKvNode(NodeConfig config, NodeEnvironment environment) {
    this.config = config;
    this.tuning = config.tuning();
    this.unsafe = environment.unsafe();
    if (!unsafe.none()) {
      LOG.error("node {} runs with UNSAFE TEST SWITCHES {}: it deliberately breaks consistency; chaos self-tests"
          + " only, never a real deployment", config.nodeId(), unsafe.enabled());
    }
    Clock clock = environment.clock();
    DiskSpace.Probe freeSpace = environment.freeSpace();
    NodeConfig.NodeAddress self = config.self();
    NodeConfig.Region region = config.region();
    List<Peer> peers = region.nodes().stream().map(n -> new Peer(n.id(), n.host(), n.raftPort())).toList();
    this.bus = new InvalidationBus(config.invalidation().bufferLimits(), System::nanoTime);
    this.metrics = new NodeMetrics(config.nodeId(), region.name());
    this.clock = clock;
    ChangeListener propagation = metrics.remotePropagation(region.name(), clock);
    this.replica = new RegionReplica(new RegionReplica.Settings(config.nodeId(), region.name(), config.bindHost(),
        self.raftPort(), peers, config.topology().shards(), config.dataPath(),
        new StorageOptions(config.storage().blockCacheBytes().bytes(), config.storage().writeBufferBytes().bytes(),
            config.storage().maxBackgroundJobs()),
        new RaftTuning(config.raft().electionTimeoutMin(), config.raft().electionTimeoutMax(),
            config.raft().requestTimeout(), config.limits().maxValueBytes() + RaftTuning.ENTRY_OVERHEAD_BYTES,
            config.raft().snapshotEvery(), config.raft().segmentBytes().bytes()), config.join(),
            config.replication().logRetention()),
        new HybridClock(clock), event -> {
          bus.publish(event);
          propagation.onChange(event);
        }, new LeaderForwarder(this::internalChannel, id -> config.topology().node(id).isPresent()),
        PipelineLimits.defaults(config.limits().maxValueBytes(), Runtime.getRuntime().maxMemory(),
            config.raft().requestTimeout()),
        new DiskSpace(config.dataPath(), config.storage().minFreeBytes().bytes(), freeSpace));
    this.security = new NodeSecurity(config, clock);
    security.configure(replica);
    this.readiness = new Readiness(replica, clock, config.replication().maxClockOffset());
    this.grpcExecutor = Executors.newFixedThreadPool(tuning.publicThreads(), named("grpc-" + config.nodeId()));
    this.internalExecutor = Executors.newFixedThreadPool(tuning.internalThreads(), named("internal-" + config.nodeId()));
    this.adminExecutor = Executors.newFixedThreadPool(tuning.adminThreads(), named("admin-" + config.nodeId()));
    this.background = Executors.newSingleThreadScheduledExecutor(named("background-" + config.nodeId()));
    this.replicationScheduler = Executors.newSingleThreadScheduledExecutor(named("replication-" + config.nodeId()));
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Opens storage, joins the Raft groups and starts serving; returns once the ports are bound. */
  public EdgeKvNode start() throws IOException {
    replica.start();
    if (config.security().encryptionEnabled()) {
      reencryption = ReEncryptionTask.start(replica, config.nodeId());
      metrics.bindReEncryption(reencryption::remaining);
    }
    LocalStatus localStatus = new LocalStatus(config, replica, readiness,
        () -> reencryption == null ? 0 : reencryption.remaining());
    KvServiceImpl kv = new KvServiceImpl(replica, new RequestValidator(config.limits()),
        new ReadBarriers(replica, tuning.sessionReadWait(), unsafe), metrics, this::healthyRegion, grpcExecutor);
    KeyTraces traces = new KeyTraces(replica);
    AdminServiceImpl admin = new AdminServiceImpl(config, localStatus, traces, replica, this, this::internalChannel,
        () -> shipper);
    ReplicaChangelog changelog = new ReplicaChangelog(replica);
    invalidation = new InvalidationServiceImpl(config, replica, changelog, changelog, bus,
        new RequestValidator(config.limits()), metrics,
        this::internalChannel, grpcExecutor, this::healthyRegion, InvalidationServiceImpl.Settings.DEFAULTS,
        System::nanoTime);
    // A removed member answers data calls FAILED_PRECONDITION; admin and health stay open.
    MemberGuard member = new MemberGuard(replica.membership()::checkMember);
    publicServices = security.guardPublic(
        List.of(member.guard(kv), admin, member.guard(invalidation), health.getHealthService()));
    publicServer = publicServer();
    // Tombstone collection's applied watermarks: claims the receiver takes, the shipper reports.
    Watermarks watermarks = new Watermarks(replica,
        config.topology().regions().stream().map(NodeConfig.Region::name).toList());
    internalServer = Transport.server(config, config.self().internalPort(), security.internalServer(),
        Transport.ServerLimits.internalPort(config.limits()), internalConnections, internalExecutor, Map.of(),
        security.guardInternal(List.of(new InternalServiceImpl(localStatus, traces, replica, changelog,
            config.replication().maxClockOffset(), metrics.refusedClockSkew(), new RequestValidator(config.limits()),
            unsafe, watermarks), health.getHealthService())),
        () -> false).start();
    Map<String, List<String>> otherRegionNodes = new LinkedHashMap<>();
    for (NodeConfig.Region other : config.topology().regions()) {
      if (!other.name().equals(config.region().name())) {
        otherRegionNodes.put(other.name(), other.nodes().stream().map(NodeConfig.NodeAddress::id).toList());
      }
    }
    List<String> otherRegions = List.copyOf(otherRegionNodes.keySet());
    regionTransport = new RegionTransport(otherRegionNodes, this::internalChannel, clock);
    // A pass-through unless dev's --wan-delay/--wan-loss (replication.wanDelay, wanLossPercent) or a test asks.
    wan = new EmulatedWan(regionTransport, config.replication().wanDelay(),
        config.replication().wanLossPercent(), replicationScheduler, new Random());
    int maxBatchBytes = config.limits().maxValueBytes() + RaftTuning.ENTRY_OVERHEAD_BYTES / 2;
    long gossipMillis = config.replication().gossipInterval().toMillis();
    shipper = new Shipper(replica, wan, new Shipper.Settings(otherRegions, tuning.shipBatchEntries(),
        maxBatchBytes, gossipMillis, tuning.shipRetryBackoff().toMillis(),
        tuning.relayAfterGossipRounds() * gossipMillis), watermarks, replicationScheduler);
    replica.onApplied(shipper::wake);
    shipper.start();
    metrics.bindReplicationLag(shipper::lag);
    metrics.bindShardGauges(replica);
    http = new HttpEndpoints(config.bindHost(), config.self().httpPort(), readiness, metrics, config.nodeId());
    http.start();
    watchdog = new Watchdog(config.nodeId(), replica, Watchdog.Settings.DEFAULTS, System::nanoTime)
        .watch("public", grpcExecutor).watch("internal", internalExecutor).watch("admin", adminExecutor)
        .watch("background", background).watch("replication", replicationScheduler).start();
    readiness.watchdog(watchdog);
    readiness.markStarted();
    long tickMillis = tuning.tickInterval().toMillis();
    background.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    LOG.info("node {} of region {} serving on {}", config.nodeId(), config.region().name(), config.self().publicAddress());
    return this;
  }

  private void tick() {
    try {
      replica.sampleFreshness();
      if (++ticks % tuning.ticksPerHousekeeping() == 0) {
        replica.sweepExpired(tuning.sweepBatch());
        replica.trimReplicationLogs();
        replica.refreshDiskSpace();
        metrics.refreshLagGauges();
        collectTombstones();
      }
      ServingStatus status = readiness.ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.setStatus("", status);
    } catch (RuntimeException e) {
      LOG.warn("background tick failed on {}", config.nodeId(), e);
    }
  }

  /**
   * Drains: readiness fails at once (503 "draining"), leadership moves to other members, and
   * every open client connection gets a GOAWAY (the public server is replaced by a fresh one on
   * the same port, so in-flight calls finish on the old one and clients that still call are
   * answered). Responses carry {@code edgekv-draining: true} so clients prefer other endpoints.
   * The returned future fails when leadership could not move; calling again retries that part.
   */
  @Override
  public synchronized CompletableFuture<Void> drain(Duration timeout) {
    if (readiness.draining()) {
      return replica.membership().handOffLeadership(timeout);
    }
    readiness.setDraining(true);
    health.setStatus("", ServingStatus.NOT_SERVING);
    invalidation.closeStreams("node " + config.nodeId() + " is draining");
    CompletableFuture<Void> handOff = replica.membership().handOffLeadership(timeout);
    Server old = publicServer;
    old.shutdown();
    retiredServers.add(old);
    publicServer = rebindPublicServer();
    LOG.info("node {} draining", config.nodeId());
    return handOff.whenComplete((ignored, error) -> {
      if (error != null) {
        LOG.warn("drain of {}: {}", config.nodeId(), error.getMessage());
      }
    });
  }

  /** {@link #drain(Duration)} with {@code tuning.drainHandOff} to hand off leadership. */
  public CompletableFuture<Void> drain() {
    return drain(tuning.drainHandOff());
  }

  /**
   * A fresh public server on the same port. The old server closes its listening socket
   * asynchronously after {@code shutdown()}, so the bind is retried for a bounded time.
   */
  private Server rebindPublicServer() {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return publicServer();
      } catch (IOException e) {
        last = e;
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
    }
    LOG.error("drain of {}: cannot rebind the public port {}", config.nodeId(), config.self().publicPort(), last);
    throw new NodeUnavailableException("cannot rebind the public port " + config.self().publicPort() + ": " + last);
  }

  /**
   * The public port: admin and health on their own executor; the data service's handlers run on
   * the transport thread, answer EVENTUAL reads there from memory and hand every other call to
   * the gRPC executor ({@link KvServiceImpl}); other services on the gRPC executor.
   */
  private Server publicServer() throws IOException {
    return Transport.server(config, config.self().publicPort(), security.publicServer(),
        Transport.ServerLimits.publicPort(config.limits()),
        publicConnections, grpcExecutor, Map.of(AdminServiceGrpc.SERVICE_NAME, adminExecutor,
            HealthGrpc.SERVICE_NAME, adminExecutor, KvServiceGrpc.SERVICE_NAME, Transport.TRANSPORT_THREAD), publicServices,
        readiness::draining).start();
  }

  @Override
  public synchronized void undrain() {
    readiness.setDraining(false);
    invalidation.acceptStreams();
    LOG.info("node {} undrained", config.nodeId());
  }

  @Override
  public String effectiveConfig() {
    return ConfigFiles.toYaml(config);
  }

  /**
   * Tombstone garbage collection on the shards this node leads: a tombstone goes once every
   * region's applied watermark, as that region reported it, is past it plus the grace period
   * ({@link Watermarks}), so no late write can resurrect its key.
   */
  private void collectTombstones() {
    if (shipper == null) {
      return;
    }
    long grace = config.replication().tombstoneGrace().toMillis();
    for (int shard = 0; shard < replica.shards(); shard++) {
      if (replica.shardFailure(shard).isPresent()) {
        continue;
      }
      // While some region has reported no watermark, nothing is collected; the shard still ticks.
      var stable = shipper.stableBeforeMillis(shard);
      long cutoff = stable.isPresent() ? Math.min(stable.getAsLong(), clock.millis()) - grace : Long.MIN_VALUE;
      replica.collectTombstones(shard, cutoff, tuning.sweepBatch(), Watermarks.tickAfterMillis(grace));
    }
  }

  private ManagedChannel internalChannel(String nodeId) {
    return internalChannels.computeIfAbsent(nodeId,
        id -> Transport.internalChannel(config, config.topology().node(id).orElseThrow(), security.internalChannel()));
  }

  public NodeConfig config() {
    return config;
  }

  public Readiness readiness() {
    return readiness;
  }

  public RegionReplica replica() {
    return replica;
  }

  public InvalidationBus bus() {
    return bus;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** This node's links to other regions, through the WAN emulation (tests cut and heal links with it). */
  public EmulatedWan wan() {
    return wan;
  }

  /** Cross-region replication from this node (lag, for the admin API and tests). */
  public Shipper shipper() {
    return shipper;
  }

  /** Another region that answered recently, to name in the hint of a refused write. */
  public NodeConfig.Region healthyRegion() {
    if (regionTransport == null) {
      return null;
    }
    return regionTransport.healthyRegion(tuning.healthyRegionWithin())
        .flatMap(name -> config.topology().regions().stream().filter(r -> r.name().equals(name)).findFirst())
        .orElse(null);
  }

  /**
   * Stops gracefully: refuses new calls, lets in-flight calls finish (bounded), then closes Raft
   * and storage. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    readiness.setDraining(true);
    health.enterTerminalState();
    if (invalidation != null) {
      invalidation.close();
    }
    background.shutdownNow();
    if (reencryption != null) {
      reencryption.close();
    }
    if (watchdog != null) {
      watchdog.close();
    }
    if (shipper != null) {
      shipper.close();
    }
    replicationScheduler.shutdownNow();
    long deadline = System.nanoTime() + tuning.stopGrace().toNanos();
    List<Server> servers = new ArrayList<>(retiredServers);
    servers.add(publicServer);
    servers.add(internalServer);
    for (Server server : servers) {
      if (server != null) {
        server.shutdown();
      }
    }
    for (Server server : servers) {
      if (server != null) {
        try {
          if (!server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            server.shutdownNow();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          server.shutdownNow();
        }
      }
    }
    if (http != null) {
      http.close();
    }
    internalChannels.values().forEach(ManagedChannel::shutdownNow);
    replica.close();
    grpcExecutor.shutdownNow();
    internalExecutor.shutdownNow();
    adminExecutor.shutdownNow();
    metrics.close();
    LOG.info("node {} stopped", config.nodeId());
  }
}
