package io.edgekv.node.testing;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.RetryPolicy;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.node.EdgeKvNode;
import io.edgekv.node.NodeEnvironment;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.config.QuotaSettings;
import io.edgekv.node.config.SecuritySettings;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.node.dev.DevTopology;
import io.edgekv.node.security.FleetCredentials;
import io.edgekv.replication.storage.DiskSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Regions x nodes of EdgeKV in one JVM, on free 127.0.0.1 ports and temporary directories, for
 * integration tests (as Ratis' MiniRaftCluster). Nodes share nothing: every node-to-node path
 * crosses a loopback socket. Hooks: kill, restart, per-node clocks.
 */
public final class MiniKvCluster implements AutoCloseable {
  private final List<NodeConfig> configs;
  private final List<SkewableClock> clocks = new ArrayList<>();
  /** Per node: the free bytes its data directory reports, or -1 for the real disk. */
  private final List<AtomicLong> simulatedFreeBytes = new ArrayList<>();
  private final List<EdgeKvNode> nodes = new ArrayList<>();
  private final Path root;
  private final List<EdgeKvClient> clients = new ArrayList<>();
  private final int initialSize;
  private final FleetCredentials security;
  /** Per node index, the unsafe test switches it runs with (none unless a test sets them). */
  private final Map<Integer, UnsafeSwitches> unsafe;

  private MiniKvCluster(Builder builder) throws IOException {
    root = Files.createTempDirectory("edgekv-mini-");
    List<NodeConfig.Region> regions = new ArrayList<>();
    int i = 0;
    for (int r = 0; r < builder.regions; r++) {
      List<NodeConfig.NodeAddress> addresses = new ArrayList<>();
      for (int n = 0; n < builder.nodesPerRegion; n++, i++) {
        int[] ports = freePorts(4);
        addresses.add(new NodeConfig.NodeAddress("node-" + i, "127.0.0.1", ports[0], ports[1], ports[2], ports[3]));
      }
      regions.add(new NodeConfig.Region(DevTopology.regionName(r), addresses));
    }
    NodeConfig.Topology topology = new NodeConfig.Topology(builder.shards, regions);
    configs = new ArrayList<>();
    for (NodeConfig.NodeAddress address : topology.allNodes()) {
      configs.add(nodeConfig(address, topology, builder, builder.raftOf(configs.size()), false));
    }
    // Spare nodes belong to region 0 but not to its initial Raft groups: they start with
    // join=true and wait for "admin add-node".
    for (int n = 0; n < builder.spareNodes; n++, i++) {
      int[] ports = freePorts(4);
      NodeConfig.NodeAddress spare = new NodeConfig.NodeAddress("node-" + i, "127.0.0.1", ports[0], ports[1], ports[2], ports[3]);
      List<NodeConfig.Region> withSpare = new ArrayList<>(regions);
      List<NodeConfig.NodeAddress> region0 = new ArrayList<>(regions.get(0).nodes());
      region0.add(spare);
      withSpare.set(0, new NodeConfig.Region(regions.get(0).name(), region0));
      configs.add(nodeConfig(spare, new NodeConfig.Topology(builder.shards, withSpare), builder,
          builder.raftOf(configs.size()), true));
    }
    for (int k = 0; k < configs.size(); k++) {
      clocks.add(new SkewableClock());
      simulatedFreeBytes.add(new AtomicLong(-1));
      nodes.add(null);
    }
    initialSize = topology.allNodes().size();
    unsafe = Map.copyOf(builder.unsafe);
    if (builder.secure) {
      // Certificates for every node, spares included (the last config's topology lists them all).
      security = FleetCredentials.create(root.resolve("security"), configs.get(configs.size() - 1).topology());
      configs.replaceAll(c -> security.secure(c).validate());
    } else {
      security = null;
    }
  }

  /** The CA, keys and master key of a {@link Builder#secure()} cluster; null for an open one. */
  public FleetCredentials security() {
    return security;
  }

  private NodeConfig nodeConfig(NodeConfig.NodeAddress address, NodeConfig.Topology topology, Builder builder,
      NodeConfig.RaftSettings raft, boolean join) {
    return NodeConfig.of(address.id(), root.resolve(address.id()).toString(), topology)
        .withLimits(new NodeConfig.Limits(builder.maxValueBytes)).withRaft(raft).withJoin(join)
        .withReplication(builder.replication)
        .withSecurity(SecuritySettings.DEFAULT.withQuotas(builder.quotas)).validate();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Elections in 400-800 ms instead of 1-2 s: the timings every in-process cluster starts with. */
  public static final NodeConfig.RaftSettings FAST_RAFT = NodeConfig.RaftSettings.DEFAULT
      .withTimeouts(Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofSeconds(3));

  /**
   * A system property that makes every cluster {@link Builder#secure() secure} unless a test says
   * otherwise: node/pom.xml's {@code secure-integration} execution runs the integration tests that
   * reach the cluster only through its clients again with it set.
   */
  public static final String SECURE_PROPERTY = "edgekv.test.secure";

  /** Fluent options; defaults: 1 region x 3 nodes, 1 shard, fast elections, open unless {@link #SECURE_PROPERTY}. */
  public static final class Builder {
    private int regions = 1;
    private int nodesPerRegion = 3;
    private int shards = 1;
    private int spareNodes = 0;
    private boolean secure = Boolean.getBoolean(SECURE_PROPERTY);
    private QuotaSettings quotas = QuotaSettings.NONE;
    private NodeConfig.ReplicationSettings replication = NodeConfig.ReplicationSettings.DEFAULT.withGossipInterval(Duration.ofMillis(100));
    private int maxValueBytes = NodeConfig.Limits.DEFAULT.maxValueBytes();
    private final Map<Integer, UnsafeSwitches> unsafe = new HashMap<>();
    private NodeConfig.RaftSettings raft = FAST_RAFT;
    private final Map<Integer, NodeConfig.RaftSettings> raftOfNode = new HashMap<>();

    /** TLS, mutual TLS between nodes, client tokens and encryption at rest, as {@code dev --secure}. */
    public Builder secure() {
      this.secure = true;
      return this;
    }

    /** Rate limits and storage quotas of every node's public port. */
    public Builder quotas(QuotaSettings settings) {
      this.quotas = settings;
      return this;
    }

    public Builder regions(int regions) {
      this.regions = regions;
      return this;
    }

    public Builder nodesPerRegion(int nodes) {
      this.nodesPerRegion = nodes;
      return this;
    }

    public Builder shards(int shards) {
      this.shards = shards;
      return this;
    }

    /** Extra nodes of region 0, not started and not members until a test adds them. */
    public Builder spareNodes(int spares) {
      this.spareNodes = spares;
      return this;
    }

    public Builder replication(NodeConfig.ReplicationSettings replication) {
      this.replication = replication;
      return this;
    }

    public Builder maxValueBytes(int bytes) {
      this.maxValueBytes = bytes;
      return this;
    }

    /** Runs node {@code index} with deliberate bugs (the chaos harness's self-tests); others stay correct. */
    public Builder unsafe(int index, UnsafeSwitches switches) {
      this.unsafe.put(index, switches);
      return this;
    }

    public Builder raft(NodeConfig.RaftSettings raft) {
      this.raft = raft;
      return this;
    }

    /** Raft settings of node {@code node} only (e.g. a leader slow to notice it lost its majority). */
    public Builder raft(int node, NodeConfig.RaftSettings raft) {
      raftOfNode.put(node, raft);
      return this;
    }

    private NodeConfig.RaftSettings raftOf(int node) {
      return raftOfNode.getOrDefault(node, raft);
    }

    /** Starts every node and waits until every shard group has a leader everywhere. */
    public MiniKvCluster start() throws IOException {
      MiniKvCluster cluster = new MiniKvCluster(this);
      try {
        for (int i = 0; i < cluster.initialSize; i++) {
          cluster.startNode(i);
        }
        cluster.awaitLeaders(Duration.ofSeconds(60));
        return cluster;
      } catch (IOException | RuntimeException e) {
        cluster.close();
        throw e;
      }
    }
  }

  /**
   * Test nodes listen on ports below the kernel's ephemeral range (32768-60999 on Linux). A port
   * the kernel hands out for port 0 is released until the node binds it, and meanwhile it can
   * become the source port of any outgoing connection, this JVM's own gRPC channels included;
   * the node then failed to start with "Address already in use". Ports here are taken in turn
   * from a random start (so concurrent test JVMs rarely meet), each checked by binding it.
   */
  private static final int FIRST_PORT = 12_000;
  private static final int PORT_SPAN = 8_000;
  private static final AtomicInteger NEXT_PORT = new AtomicInteger(new Random().nextInt(PORT_SPAN));

  static int[] freePorts(int count) throws IOException {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = freePort();
    }
    return ports;
  }

  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < PORT_SPAN; attempt++) {
      int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORT_SPAN);
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException inUse) {
        // taken: try the next one
      }
    }
    throw new IOException("no free port in " + FIRST_PORT + "-" + (FIRST_PORT + PORT_SPAN - 1));
  }

  public int size() {
    return configs.size();
  }

  public EdgeKvNode node(int i) {
    EdgeKvNode node = nodes.get(i);
    if (node == null) {
      throw new IllegalStateException("node " + i + " is not running");
    }
    return node;
  }

  public boolean isRunning(int i) {
    return nodes.get(i) != null;
  }

  public NodeConfig config(int i) {
    return configs.get(i);
  }

  public SkewableClock clock(int i) {
    return clocks.get(i);
  }

  public String publicAddress(int i) {
    return configs.get(i).self().publicAddress();
  }

  public List<String> publicAddresses() {
    return configs.stream().map(c -> c.self().publicAddress()).toList();
  }

  public void startNode(int i) throws IOException {
    if (nodes.get(i) != null) {
      throw new IllegalStateException("node " + i + " is already running");
    }
    AtomicLong simulated = simulatedFreeBytes.get(i);
    EdgeKvNode node = new EdgeKvNode(configs.get(i), NodeEnvironment.of(clocks.get(i))
        .withFreeSpace(dir -> simulated.get() >= 0 ? simulated.get() : DiskSpace.FILE_STORE.usableBytes(dir))
        .withUnsafe(unsafe.getOrDefault(i, UnsafeSwitches.NONE)));
    nodes.set(i, node);
    node.start();
  }

  /**
   * Makes node i see {@code bytes} free in its data directory from its next sample on (about a
   * second), a full disk without filling one; -1 gives it the real disk again.
   */
  public void simulateFreeBytes(int i, long bytes) {
    simulatedFreeBytes.get(i).set(bytes);
  }

  /** Where node i keeps its RocksDB ({@code shard-N}) and Raft ({@code raft/<group>}) directories. */
  public Path dataDir(int i) {
    return configs.get(i).dataPath();
  }

  /** Stops a node (its data stays on disk for {@link #restart}). */
  public void kill(int i) {
    EdgeKvNode node = nodes.set(i, null);
    if (node != null) {
      node.close();
    }
  }

  public void restart(int i) throws IOException {
    kill(i);
    startNode(i);
  }

  /** The index of the node leading shard 0 of region 0, as the running nodes report it. */
  public Optional<Integer> leaderIndex() {
    for (int i = 0; i < size(); i++) {
      if (nodes.get(i) != null && nodes.get(i).replica().groups().get(0).isLeader()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /** Waits until every running node knows a leader for each of its shard groups. */
  public void awaitLeaders(Duration timeout) {
    await(timeout, "every running node knows a leader", () -> {
      for (EdgeKvNode node : nodes) {
        if (node != null && !node.replica().everyGroupHasLeader()) {
          return false;
        }
      }
      return true;
    });
  }

  /** Polls {@code condition} until it holds or fails with {@code what} at the deadline. */
  public static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  /** A client for all initial nodes (closed with the cluster). */
  public EdgeKvClient client() {
    return client(publicAddresses().subList(0, initialSize));
  }

  /** A client for some endpoints (closed with the cluster). */
  public EdgeKvClient client(List<String> endpoints) {
    return client(endpoints, Duration.ofSeconds(10), 6);
  }

  /** A client for some endpoints with its own deadline and attempts (closed with the cluster). */
  public EdgeKvClient client(List<String> endpoints, Duration deadline, int maxAttempts) {
    return client(endpoints, clientCredentials(), deadline, maxAttempts);
  }

  /** What a client of this cluster presents: nothing for an open one, the CA and a root token for a secure one. */
  public ClientCredentials clientCredentials() {
    if (security == null) {
      return ClientCredentials.NONE;
    }
    try {
      return ClientCredentials.tls(security.caCert()).withToken(security.rootToken(Duration.ofHours(1),
          Clock.systemUTC()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client for some endpoints with the given TLS trust and token (closed with the cluster). */
  public EdgeKvClient client(List<String> endpoints, ClientCredentials credentials) {
    return client(endpoints, credentials, Duration.ofSeconds(10), 6);
  }

  private EdgeKvClient client(List<String> endpoints, ClientCredentials credentials, Duration deadline,
      int maxAttempts) {
    EdgeKvClient client = EdgeKvClient.builder()
        .credentials(credentials)
        .endpoints(endpoints)
        .deadline(deadline)
        .retryPolicy(RetryPolicy.builder().maxAttempts(maxAttempts).initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofSeconds(1)).build())
        .build();
    clients.add(client);
    return client;
  }

  @Override
  public void close() {
    clients.forEach(EdgeKvClient::close);
    for (int i = nodes.size() - 1; i >= 0; i--) {
      kill(i);
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
