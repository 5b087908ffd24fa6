package io.edgekv.node.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The whole configuration of one node, as read from its YAML file. Every section has defaults;
 * {@link #validate()} rejects bad values with a message naming the key.
 *
 * @param nodeId this node's id; it must appear in {@code topology}
 * @param dataDir where RocksDB and the Raft log live
 * @param bindHost address the node's servers bind (127.0.0.1 by default)
 * @param join true for a node being added to a running region: it waits for
 *     {@code edgekv admin add-node} instead of forming the region's groups (default false)
 * @param invalidation buffers for Watch subscribers ({@link InvalidationSettings})
 * @param security client tokens, encryption at rest, the insecure switch ({@link SecuritySettings})
 */
public record NodeConfig(String nodeId, String dataDir, String bindHost, Topology topology, Limits limits,
    RaftSettings raft, StorageSettings storage, Tls tls, Boolean join, ReplicationSettings replication,
    InvalidationSettings invalidation, SecuritySettings security) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  /** Regions, their nodes and the shard count, the same on every node. */
  public record Topology(int shards, List<Region> regions) {
    public Topology {
      regions = regions == null ? List.of() : List.copyOf(regions);
    }

    public List<NodeAddress> allNodes() {
      List<NodeAddress> out = new ArrayList<>();
      regions.forEach(r -> out.addAll(r.nodes()));
      return out;
    }

    public Optional<Region> regionOf(String nodeId) {
      return regions.stream().filter(r -> r.nodes().stream().anyMatch(n -> n.id().equals(nodeId))).findFirst();
    }

    public Optional<NodeAddress> node(String nodeId) {
      return allNodes().stream().filter(n -> n.id().equals(nodeId)).findFirst();
    }
  }

  public record Region(String name, List<NodeAddress> nodes) {
    public Region {
      nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
  }

  /** Where one node listens: public gRPC API, HTTP (health, metrics), internal gRPC, Raft. */
  public record NodeAddress(String id, String host, int publicPort, int httpPort, int internalPort, int raftPort) {
    public String publicAddress() {
      return host + ":" + publicPort;
    }

    public String httpAddress() {
      return host + ":" + httpPort;
    }

    public String internalAddress() {
      return host + ":" + internalPort;
    }
  }

  /**
   * Input limits of the public API.
   *
   * @param maxValueBytes largest value accepted (default 1 MiB, at most 16 MiB)
   */
  public record Limits(int maxValueBytes) {
    public static final int MAX_KEY_BYTES = 512;
    public static final int MAX_TAGS = 16;
    public static final int MAX_TAG_BYTES = 128;
    public static final int MAX_METADATA_BYTES = 1024;
    public static final int MAX_VALUE_LIMIT = 16 << 20;
    public static final Limits DEFAULT = new Limits(1 << 20);
  }

  /**
   * Raft timing and log settings.
   *
   * @param snapshotEvery applied entries between snapshots (default 100000)
   * @param segmentBytes Raft log segment size (default 32 MiB); only whole segments are purged
   */
  public record RaftSettings(String electionTimeoutMin, String electionTimeoutMax, String requestTimeout,
      Long snapshotEvery, Long segmentBytes) {
    public static final RaftSettings DEFAULT = new RaftSettings("1s", "2s", "3s");

    public RaftSettings {
      electionTimeoutMin = electionTimeoutMin == null ? "1s" : electionTimeoutMin;
      electionTimeoutMax = electionTimeoutMax == null ? "2s" : electionTimeoutMax;
      requestTimeout = requestTimeout == null ? "3s" : requestTimeout;
      snapshotEvery = snapshotEvery == null ? 100_000L : snapshotEvery;
      segmentBytes = segmentBytes == null ? 32L << 20 : segmentBytes;
    }

    public RaftSettings(String electionTimeoutMin, String electionTimeoutMax, String requestTimeout) {
      this(electionTimeoutMin, electionTimeoutMax, requestTimeout, null, null);
    }

    public Duration electionMin() {
      return Durations.parse(electionTimeoutMin, "raft.electionTimeoutMin");
    }

    public Duration electionMax() {
      return Durations.parse(electionTimeoutMax, "raft.electionTimeoutMax");
    }

    public Duration request() {
      return Durations.parse(requestTimeout, "raft.requestTimeout");
    }
  }

  /**
   * RocksDB sizing and the disk-space floor.
   *
   * @param minFreeBytes under this many free bytes in the data directory the node refuses writes
   *     ({@code RESOURCE_EXHAUSTED}, readiness reason {@code disk_full}) and keeps serving reads,
   *     until space returns (default 256 MiB; 0 turns the check off)
   */
  public record StorageSettings(long blockCacheBytes, long writeBufferBytes, int maxBackgroundJobs, Long minFreeBytes) {
    public static final long DEFAULT_MIN_FREE_BYTES = 256L << 20;
    public static final StorageSettings DEFAULT = new StorageSettings(8L << 20, 4L << 20, 2);

    public StorageSettings {
      minFreeBytes = minFreeBytes == null ? DEFAULT_MIN_FREE_BYTES : minFreeBytes;
    }

    public StorageSettings(long blockCacheBytes, long writeBufferBytes, int maxBackgroundJobs) {
      this(blockCacheBytes, writeBufferBytes, maxBackgroundJobs, null);
    }
  }

  /**
   * Transport security (DESIGN.md section 10): with {@code enabled}, the public port speaks TLS and
   * the internal and Raft ports mutual TLS with node certificates only. The files are PEM and are
   * read again when they change (no restart to renew a certificate or rotate the CA).
   *
   * @param caFile the CA certificate(s) that node certificates must chain to
   * @param certFile this node's certificate (it names the node: see {@code edgekv admin certs init})
   * @param keyFile this node's private key (PKCS#8)
   */
  public record Tls(boolean enabled, String caFile, String certFile, String keyFile) {
    public static final Tls OFF = new Tls(false, null, null, null);
  }

  public NodeConfig {
    limits = limits == null ? Limits.DEFAULT : limits;
    raft = raft == null ? RaftSettings.DEFAULT : raft;
    storage = storage == null ? StorageSettings.DEFAULT : storage;
    tls = tls == null ? Tls.OFF : tls;
    bindHost = bindHost == null ? "127.0.0.1" : bindHost;
    join = join != null && join;
    replication = replication == null ? ReplicationSettings.DEFAULT : replication;
    invalidation = InvalidationSettings.withDefaults(invalidation, limits);
    security = security == null ? SecuritySettings.DEFAULT : security;
  }

  public NodeConfig(String nodeId, String dataDir, String bindHost, Topology topology, Limits limits,
      RaftSettings raft, StorageSettings storage, Tls tls, Boolean join, ReplicationSettings replication,
      InvalidationSettings invalidation) {
    this(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, replication, invalidation, null);
  }

  public NodeConfig(String nodeId, String dataDir, String bindHost, Topology topology, Limits limits,
      RaftSettings raft, StorageSettings storage, Tls tls, Boolean join, ReplicationSettings replication) {
    this(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, replication, null);
  }

  public NodeConfig(String nodeId, String dataDir, String bindHost, Topology topology, Limits limits,
      RaftSettings raft, StorageSettings storage, Tls tls) {
    this(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, false, null);
  }

  public NodeConfig(String nodeId, String dataDir, String bindHost, Topology topology, Limits limits,
      RaftSettings raft, StorageSettings storage, Tls tls, Boolean join) {
    this(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, null);
  }

  /** A copy with other replication settings. */
  public NodeConfig withReplication(ReplicationSettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, settings,
        invalidation, security);
  }

  /** A copy with other transport and client security. */
  public NodeConfig withSecurity(Tls tls, SecuritySettings security) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, replication,
        invalidation, security);
  }

  /**
   * Cross-region replication.
   *
   * @param maxClockOffset remote timestamps further ahead of this node's clock are refused (default 500ms)
   * @param gossipInterval how often a shard leader exchanges version vectors with each region (default 200ms)
   * @param wanDelay emulated one-way delay added to every cross-region call (dev only; default 0ms)
   * @param wanLossPercent emulated loss of cross-region calls, 0-100 (dev only; default 0)
   * @param logRetention replication-log entries kept per origin region and shard (default 1000000);
   *     a region further behind is brought up to date by anti-entropy
   * @param tombstoneGrace how long a tombstone is kept after every region has applied it (default 1h)
   */
  public record ReplicationSettings(String maxClockOffset, String gossipInterval, String wanDelay,
      Double wanLossPercent, Long logRetention, String tombstoneGrace) {
    public static final ReplicationSettings DEFAULT = new ReplicationSettings(null, null, null, null, null, null);

    public ReplicationSettings(String maxClockOffset, String gossipInterval, String wanDelay, Double wanLossPercent) {
      this(maxClockOffset, gossipInterval, wanDelay, wanLossPercent, null, null);
    }

    public ReplicationSettings(String maxClockOffset, String gossipInterval, String wanDelay, Double wanLossPercent,
        Long logRetention) {
      this(maxClockOffset, gossipInterval, wanDelay, wanLossPercent, logRetention, null);
    }

    public Duration tombstoneGraceDuration() {
      return Durations.parse(tombstoneGrace, "replication.tombstoneGrace");
    }

    public ReplicationSettings {
      maxClockOffset = maxClockOffset == null ? "500ms" : maxClockOffset;
      gossipInterval = gossipInterval == null ? "200ms" : gossipInterval;
      wanDelay = wanDelay == null ? "0ms" : wanDelay;
      wanLossPercent = wanLossPercent == null ? 0.0 : wanLossPercent;
      logRetention = logRetention == null ? 1_000_000L : logRetention;
      tombstoneGrace = tombstoneGrace == null ? "1h" : tombstoneGrace;
    }

    public Duration maxClockOffsetDuration() {
      return Durations.parse(maxClockOffset, "replication.maxClockOffset");
    }

    public Duration gossipIntervalDuration() {
      return Durations.parse(gossipInterval, "replication.gossipInterval");
    }

    public Duration wanDelayDuration() {
      return Durations.parse(wanDelay, "replication.wanDelay");
    }
  }

  public Path dataPath() {
    return Path.of(dataDir);
  }

  public NodeAddress self() {
    return topology.node(nodeId).orElseThrow();
  }

  public Region region() {
    return topology.regionOf(nodeId).orElseThrow();
  }

  /** Checks every value; throws {@link ConfigException} naming the first bad key. */
  public NodeConfig validate() {
    require(nodeId != null && ID.matcher(nodeId).matches(), "nodeId",
        "must be 1-63 letters, digits, '_', '.' or '-', was '" + nodeId + "'");
    require(dataDir != null && !dataDir.isBlank(), "dataDir", "is required");
    require(topology != null, "topology", "is required");
    require(topology.shards() >= 1 && topology.shards() <= 64, "topology.shards",
        "must be between 1 and 64, was " + topology.shards());
    require(!topology.regions().isEmpty(), "topology.regions", "must list at least one region");
    List<String> seen = new ArrayList<>();
    for (int r = 0; r < topology.regions().size(); r++) {
      Region region = topology.regions().get(r);
      String at = "topology.regions[" + r + "]";
      require(region.name() != null && ID.matcher(region.name()).matches(), at + ".name",
          "must be 1-63 letters, digits, '_', '.' or '-', was '" + region.name() + "'");
      require(!region.nodes().isEmpty(), at + ".nodes", "must list at least one node");
      for (int n = 0; n < region.nodes().size(); n++) {
        NodeAddress node = region.nodes().get(n);
        String nat = at + ".nodes[" + n + "]";
        require(node.id() != null && ID.matcher(node.id()).matches(), nat + ".id", "is missing or malformed: '" + node.id() + "'");
        require(!seen.contains(node.id()), nat + ".id", "'" + node.id() + "' appears twice");
        seen.add(node.id());
        require(node.host() != null && !node.host().isBlank(), nat + ".host", "is required");
        port(node.publicPort(), nat + ".publicPort");
        port(node.httpPort(), nat + ".httpPort");
        port(node.internalPort(), nat + ".internalPort");
        port(node.raftPort(), nat + ".raftPort");
      }
    }
    require(topology.node(nodeId).isPresent(), "nodeId", "'" + nodeId + "' is not a node of the topology");
    require(limits.maxValueBytes() >= 1 && limits.maxValueBytes() <= Limits.MAX_VALUE_LIMIT, "limits.maxValueBytes",
        "must be between 1 and " + Limits.MAX_VALUE_LIMIT + " (16 MiB), was " + limits.maxValueBytes());
    try {
      Duration min = raft.electionMin();
      Duration max = raft.electionMax();
      Duration request = raft.request();
      require(min.toMillis() >= 50, "raft.electionTimeoutMin", "must be at least 50ms, was " + raft.electionTimeoutMin());
      require(max.compareTo(min) > 0, "raft.electionTimeoutMax",
          "must be greater than raft.electionTimeoutMin, was " + raft.electionTimeoutMax());
      require(request.toMillis() >= 100, "raft.requestTimeout", "must be at least 100ms, was " + raft.requestTimeout());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    require(raft.snapshotEvery() >= 1, "raft.snapshotEvery", "must be at least 1, was " + raft.snapshotEvery());
    require(raft.segmentBytes() >= 16 << 10, "raft.segmentBytes", "must be at least 16384, was " + raft.segmentBytes());
    require(storage.blockCacheBytes() >= 1 << 20, "storage.blockCacheBytes", "must be at least 1048576, was " + storage.blockCacheBytes());
    require(storage.writeBufferBytes() >= 1 << 20, "storage.writeBufferBytes", "must be at least 1048576, was " + storage.writeBufferBytes());
    require(storage.maxBackgroundJobs() >= 1, "storage.maxBackgroundJobs", "must be at least 1, was " + storage.maxBackgroundJobs());
    require(storage.minFreeBytes() >= 0, "storage.minFreeBytes", "must be at least 0, was " + storage.minFreeBytes());
    try {
      replication.maxClockOffsetDuration();
      require(replication.gossipIntervalDuration().toMillis() >= 10, "replication.gossipInterval",
          "must be at least 10ms, was " + replication.gossipInterval());
      replication.wanDelayDuration();
      replication.tombstoneGraceDuration();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    require(replication.logRetention() >= 1, "replication.logRetention",
        "must be at least 1, was " + replication.logRetention());
    require(replication.wanLossPercent() >= 0 && replication.wanLossPercent() <= 100, "replication.wanLossPercent",
        "must be between 0 and 100, was " + replication.wanLossPercent());
    require(topology.regions().stream().map(Region::name).distinct().count() == topology.regions().size(),
        "topology.regions", "has two regions with the same name");
    if (tls.enabled()) {
      require(tls.caFile() != null && !tls.caFile().isBlank(), "tls.caFile", "is required when tls.enabled is true");
      require(tls.certFile() != null && !tls.certFile().isBlank(), "tls.certFile", "is required when tls.enabled is true");
      require(tls.keyFile() != null && !tls.keyFile().isBlank(), "tls.keyFile", "is required when tls.enabled is true");
    }
    require(tls.enabled() || !security.authEnabled(), "security.tokenKeys",
        "needs tls.enabled: true (bearer tokens are never sent in plaintext)");
    require(security.encryptionEnabled() || !security.authEnabled(), "security.tokenKeys",
        "needs security.masterKeyFile (session tokens and Watch positions are MAC'd with a key derived from it)");
    invalidation.validate(limits);
    return this;
  }

  /**
   * Refuses a node that would listen on a non-loopback address without TLS and token auth, unless
   * {@code security.insecure} accepts the risk ({@code edgekv serve} checks this at start).
   */
  public NodeConfig checkExposure() {
    require(security.insecure() || isLoopback(bindHost) || (tls.enabled() && security.authEnabled()), "bindHost",
        "'" + bindHost + "' is not a loopback address: a node reachable from the network needs tls.enabled: true"
            + " and security.tokenKeys, or security.insecure: true to accept the risk");
    return this;
  }

  /** Whether {@code host} is a loopback address or name (nothing off this machine can reach it). */
  static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
  }

  private static void port(int port, String key) {
    require(port > 0 && port < 65536, key, "must be a port between 1 and 65535, was " + port);
  }

  private static void require(boolean ok, String key, String message) {
    if (!ok) {
      throw new ConfigException(key + " " + message);
    }
  }
}
