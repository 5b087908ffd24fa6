package io.edgekv.node.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The whole configuration of one node, as read from its YAML file. {@link #validate()} rejects
 * bad values with a message naming the key.
 *
 * @param nodeId this node's id; it must appear in {@code topology}
 * @param dataDir where RocksDB and the Raft log live
 * @param bindHost address the node's servers bind (127.0.0.1 by default)
 * @param join true for a node being added to a running region: it waits for
 *     {@code edgekv admin add-node} instead of forming the region's groups (default false)
 * @param invalidation buffers for Watch subscribers ({@link InvalidationSettings})
 * @param tuning thread pools and housekeeping timings ({@link TuningSettings})
 * @param security client tokens, encryption at rest, the insecure switch ({@link SecuritySettings})
 *
 * <p>Every section has its defaults in one place, its {@code DEFAULT} constant ({@link
 * #defaults(Limits)} for the whole file); a config file names only what differs, and {@link
 * ConfigFiles} fills in the rest. In code, start from {@link #of} and change sections with the
 * {@code with...} methods.
 */
public record NodeConfig(String nodeId, String dataDir, String bindHost, Topology topology, Limits limits,
    RaftSettings raft, StorageSettings storage, Tls tls, boolean join, ReplicationSettings replication,
    InvalidationSettings invalidation, TuningSettings tuning, SecuritySettings security) {

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
   * @param electionTimeoutMin lower bound of the randomized election timeout (default 1s)
   * @param electionTimeoutMax upper bound of the randomized election timeout (default 2s)
   * @param requestTimeout how long one write waits for its commit (default 3s)
   * @param snapshotEvery applied entries between snapshots (default 100000)
   * @param segmentBytes Raft log segment size (default 32MiB); only whole segments are purged
   */
  public record RaftSettings(Duration electionTimeoutMin, Duration electionTimeoutMax, Duration requestTimeout,
      long snapshotEvery, ByteSize segmentBytes) {
    public static final RaftSettings DEFAULT = new RaftSettings(Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(3), 100_000, ByteSize.ofMiB(32));

    /** A copy with other election and request timeouts. */
    public RaftSettings withTimeouts(Duration electionMin, Duration electionMax, Duration request) {
      return new RaftSettings(electionMin, electionMax, request, snapshotEvery, segmentBytes);
    }

    /** A copy with another snapshot interval and log segment size. */
    public RaftSettings withLog(long everyEntries, ByteSize segment) {
      return new RaftSettings(electionTimeoutMin, electionTimeoutMax, requestTimeout, everyEntries, segment);
    }
  }

  /**
   * RocksDB sizing and the disk-space floor.
   *
   * @param blockCacheBytes LRU block cache shared by the column families (default 8MiB)
   * @param writeBufferBytes memtable size per column family (default 4MiB)
   * @param maxBackgroundJobs RocksDB flush and compaction threads (default 2)
   * @param minFreeBytes under this many free bytes in the data directory the node refuses writes
   *     ({@code RESOURCE_EXHAUSTED}, readiness reason {@code disk_full}) and keeps serving reads,
   *     until space returns (default 256MiB; 0 turns the check off)
   */
  public record StorageSettings(ByteSize blockCacheBytes, ByteSize writeBufferBytes, int maxBackgroundJobs,
      ByteSize minFreeBytes) {
    public static final StorageSettings DEFAULT =
        new StorageSettings(ByteSize.ofMiB(8), ByteSize.ofMiB(4), 2, ByteSize.ofMiB(256));

    /** A copy with other RocksDB sizes (the disk-space floor unchanged). */
    public StorageSettings withSizes(ByteSize blockCache, ByteSize writeBuffer, int backgroundJobs) {
      return new StorageSettings(blockCache, writeBuffer, backgroundJobs, minFreeBytes);
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
    /** Plaintext everywhere; no files named ("" is no file). */
    public static final Tls OFF = new Tls(false, "", "", "");

    public Tls {
      Objects.requireNonNull(caFile, "tls.caFile");
      Objects.requireNonNull(certFile, "tls.certFile");
      Objects.requireNonNull(keyFile, "tls.keyFile");
    }

    /** TLS on with these PEM files. */
    public static Tls on(String caFile, String certFile, String keyFile) {
      return new Tls(true, caFile, certFile, keyFile);
    }
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
  public record ReplicationSettings(Duration maxClockOffset, Duration gossipInterval, Duration wanDelay,
      double wanLossPercent, long logRetention, Duration tombstoneGrace) {
    public static final ReplicationSettings DEFAULT = new ReplicationSettings(Duration.ofMillis(500),
        Duration.ofMillis(200), Duration.ZERO, 0, 1_000_000, Duration.ofHours(1));

    public ReplicationSettings withGossipInterval(Duration interval) {
      return new ReplicationSettings(maxClockOffset, interval, wanDelay, wanLossPercent, logRetention, tombstoneGrace);
    }

    /** A copy with an emulated WAN (dev and tests only). */
    public ReplicationSettings withWan(Duration delay, double lossPercent) {
      return new ReplicationSettings(maxClockOffset, gossipInterval, delay, lossPercent, logRetention, tombstoneGrace);
    }

    public ReplicationSettings withLogRetention(long entries) {
      return new ReplicationSettings(maxClockOffset, gossipInterval, wanDelay, wanLossPercent, entries, tombstoneGrace);
    }

    public ReplicationSettings withTombstoneGrace(Duration grace) {
      return new ReplicationSettings(maxClockOffset, gossipInterval, wanDelay, wanLossPercent, logRetention, grace);
    }
  }

  public NodeConfig {
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(raft, "raft");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(replication, "replication");
    Objects.requireNonNull(invalidation, "invalidation");
    Objects.requireNonNull(tuning, "tuning");
    Objects.requireNonNull(security, "security");
  }

  /**
   * Every section at its default, with the Watch buffers sized for {@code limits}; the node's
   * id, data directory and topology are left null (a config file must give them).
   */
  public static NodeConfig defaults(Limits limits) {
    return new NodeConfig(null, null, "127.0.0.1", null, limits, RaftSettings.DEFAULT, StorageSettings.DEFAULT,
        Tls.OFF, false, ReplicationSettings.DEFAULT, InvalidationSettings.defaultsFor(limits), TuningSettings.DEFAULT,
        SecuritySettings.DEFAULT);
  }

  /** Node {@code nodeId} of {@code topology} with its data in {@code dataDir}, every section at its default. */
  public static NodeConfig of(String nodeId, String dataDir, Topology topology) {
    NodeConfig d = defaults(Limits.DEFAULT);
    return new NodeConfig(nodeId, dataDir, d.bindHost, topology, d.limits, d.raft, d.storage, d.tls, d.join,
        d.replication, d.invalidation, d.tuning, d.security);
  }

  public NodeConfig withBindHost(String host) {
    return new NodeConfig(nodeId, dataDir, host, topology, limits, raft, storage, tls, join, replication,
        invalidation, tuning, security);
  }

  /** A copy with other input limits, and the Watch buffers' defaults for them. */
  public NodeConfig withLimits(Limits newLimits) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, newLimits, raft, storage, tls, join, replication,
        InvalidationSettings.defaultsFor(newLimits), tuning, security);
  }

  public NodeConfig withRaft(RaftSettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, settings, storage, tls, join, replication,
        invalidation, tuning, security);
  }

  public NodeConfig withStorage(StorageSettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, settings, tls, join, replication,
        invalidation, tuning, security);
  }

  /** A copy that joins a running region ({@code true}) instead of forming its groups. */
  public NodeConfig withJoin(boolean joining) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, joining, replication,
        invalidation, tuning, security);
  }

  public NodeConfig withReplication(ReplicationSettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, settings,
        invalidation, tuning, security);
  }

  public NodeConfig withInvalidation(InvalidationSettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, replication,
        settings, tuning, security);
  }

  public NodeConfig withTuning(TuningSettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, replication,
        invalidation, settings, security);
  }

  /** A copy with other transport security. */
  public NodeConfig withTls(Tls settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, settings, join, replication,
        invalidation, tuning, security);
  }

  /** A copy with other client authentication, encryption at rest and insecure switch. */
  public NodeConfig withSecurity(SecuritySettings settings) {
    return new NodeConfig(nodeId, dataDir, bindHost, topology, limits, raft, storage, tls, join, replication,
        invalidation, tuning, settings);
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
    Duration min = raft.electionTimeoutMin();
    require(min.toMillis() >= 50, "raft.electionTimeoutMin", "must be at least 50ms, was " + Durations.format(min));
    require(raft.electionTimeoutMax().compareTo(min) > 0, "raft.electionTimeoutMax",
        "must be greater than raft.electionTimeoutMin, was " + Durations.format(raft.electionTimeoutMax()));
    require(raft.requestTimeout().toMillis() >= 100, "raft.requestTimeout",
        "must be at least 100ms, was " + Durations.format(raft.requestTimeout()));
    require(raft.snapshotEvery() >= 1, "raft.snapshotEvery", "must be at least 1, was " + raft.snapshotEvery());
    atLeast(raft.segmentBytes(), ByteSize.ofKiB(16), "raft.segmentBytes");
    atLeast(storage.blockCacheBytes(), ByteSize.ofMiB(1), "storage.blockCacheBytes");
    atLeast(storage.writeBufferBytes(), ByteSize.ofMiB(1), "storage.writeBufferBytes");
    require(storage.maxBackgroundJobs() >= 1, "storage.maxBackgroundJobs",
        "must be at least 1, was " + storage.maxBackgroundJobs());
    require(!replication.maxClockOffset().isNegative(), "replication.maxClockOffset", "must not be negative");
    require(replication.gossipInterval().toMillis() >= 10, "replication.gossipInterval",
        "must be at least 10ms, was " + Durations.format(replication.gossipInterval()));
    require(!replication.wanDelay().isNegative(), "replication.wanDelay", "must not be negative");
    require(!replication.tombstoneGrace().isNegative(), "replication.tombstoneGrace", "must not be negative");
    require(replication.logRetention() >= 1, "replication.logRetention",
        "must be at least 1, was " + replication.logRetention());
    require(replication.wanLossPercent() >= 0 && replication.wanLossPercent() <= 100, "replication.wanLossPercent",
        "must be between 0 and 100, was " + replication.wanLossPercent());
    require(topology.regions().stream().map(Region::name).distinct().count() == topology.regions().size(),
        "topology.regions", "has two regions with the same name");
    if (tls.enabled()) {
      require(!tls.caFile().isBlank(), "tls.caFile", "is required when tls.enabled is true");
      require(!tls.certFile().isBlank(), "tls.certFile", "is required when tls.enabled is true");
      require(!tls.keyFile().isBlank(), "tls.keyFile", "is required when tls.enabled is true");
    }
    require(tls.enabled() || !security.authEnabled(), "security.tokenKeys",
        "needs tls.enabled: true (bearer tokens are never sent in plaintext)");
    require(security.encryptionEnabled() || !security.authEnabled(), "security.tokenKeys",
        "needs security.masterKeyFile (session tokens and Watch positions are MAC'd with a key derived from it)");
    invalidation.validate(limits);
    tuning.validate();
    security.quotas().validate();
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

  private static void atLeast(ByteSize size, ByteSize least, String key) {
    require(size.compareTo(least) >= 0, key, "must be at least " + least + " (" + least.bytes() + " bytes), was "
        + size.bytes());
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
