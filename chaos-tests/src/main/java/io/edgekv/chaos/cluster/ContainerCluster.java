package io.edgekv.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.dev.DevTopology;
import io.edgekv.node.security.FleetCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Every node in its own container, one Docker network per region with fixed addresses (several
 * regions: one shared network, see {@link #create()}), started
 * from the project's fat jar. No image registry is reachable, so the image is {@code FROM
 * scratch} and the host's {@code /usr}, {@code /lib}, ... are bound read-only into it: the
 * container runs the host's JDK (STACK.md, "Containers"). Node data lives in {@code /data} in
 * the container's writable layer, so it survives kill -9 and restart.
 *
 * <p>Faults: kill and restart through the Docker API on the same container; pause; partitions
 * with {@code iptables} inside the containers (NET_ADMIN), rejecting TCP with a reset so peers
 * fail fast; clock skew with libfaketime preloaded in every node, whose offset is a file the
 * harness rewrites (re-read at most once a second, monotonic clocks untouched). Between regions
 * every connection goes through the {@link WanRelay} in this JVM (the nodes' configs name the
 * relay for every other region's node): WAN delay and loss, and the cuts between regions.
 *
 * <p>Each cluster has a {@link RunScope}: container and network names, subnets (the first free
 * ones in 172.29.0.0/16) and labels of its own, so that runs sharing the Docker host (two suites
 * at once) never meet; {@link #removeLeftovers()} removes only what an ended run left.
 */
public final class ContainerCluster implements Cluster {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerCluster.class);
  private static final String IMAGE = "edgekv-chaos-node:scratch";
  private static final int PUBLIC_PORT = 7400;
  private static final int RAFT_PORT = 7700;
  public static final String FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  private static final String IPTABLES = "/usr/sbin/iptables";

  /**
   * How to build the cluster.
   *
   * @param regions number of regions (one Docker network each)
   * @param nodesPerRegion nodes per region (one Raft group of that size today)
   * @param nodeJar the node's fat jar on the host
   * @param workDir where the per-node config and clock files go on the host
   * @param heap the {@code -Xmx} of each node
   * @param env extra environment of each node (e.g. unsafe test switches)
   * @param electionMin lower bound of the Raft election timeout, e.g. {@code "1s"}
   * @param electionMax upper bound of the Raft election timeout
   * @param fakeTime preload libfaketime so the clock nemesis can skew nodes (on by default in the
   *     suite; {@code -Dchaos.clock=off} turns it off). With {@code FAKETIME_FORCE_MONOTONIC_FIX=0}
   *     the JVM starts as fast as without it (docs/chaos.md)
   * @param disk where node data lives: the container's layer (a kill keeps the page cache) or
   *     {@link LazyFs} (a kill loses what was not fsynced: power loss)
   * @param shards the topology's shard count
   * @param spare one region only: one more node, started to join, that no founding node knows of
   *     until the membership nemesis adds it with {@code admin add-node} (not in {@link #nodes()})
   */
  public record Settings(int regions, int nodesPerRegion, Path nodeJar, Path workDir, String heap,
      Map<String, String> env, String electionMin, String electionMax, boolean fakeTime, LazyFs.Disk disk,
      int shards, boolean spare) {
    public Settings {
      env = Map.copyOf(env);
    }

    public static Settings regional(Path nodeJar, Path workDir) {
      return new Settings(1, 3, nodeJar, workDir, "256m", Map.of(), "1s", "2s", false, LazyFs.Disk.LAYER, 1, false);
    }

    /** The cross-region shape: 3 regions x 1 node (each region its own Raft group of one). */
    public static Settings crossRegion(Path nodeJar, Path workDir) {
      return new Settings(3, 1, nodeJar, workDir, "256m", Map.of(), "1s", "2s", false, LazyFs.Disk.LAYER, 1, false);
    }

    public Settings withEnv(Map<String, String> extra) {
      Map<String, String> all = new LinkedHashMap<>(env);
      all.putAll(extra);
      return new Settings(regions, nodesPerRegion, nodeJar, workDir, heap, all, electionMin, electionMax, fakeTime,
          disk, shards, spare);
    }

    public Settings withNodesPerRegion(int n) {
      return new Settings(regions, n, nodeJar, workDir, heap, env, electionMin, electionMax, fakeTime, disk, shards,
          spare);
    }

    public Settings withFakeTime(boolean on) {
      return new Settings(regions, nodesPerRegion, nodeJar, workDir, heap, env, electionMin, electionMax, on, disk,
          shards, spare);
    }

    public Settings withDisk(LazyFs.Disk d, int shardCount) {
      return new Settings(regions, nodesPerRegion, nodeJar, workDir, heap, env, electionMin, electionMax, fakeTime, d,
          shardCount, spare);
    }

    public Settings withSpare(boolean on) {
      return new Settings(regions, nodesPerRegion, nodeJar, workDir, heap, env, electionMin, electionMax, fakeTime, disk,
          shards, on && regions == 1);
    }
  }

  private record Member(NodeRef ref, String ip, GenericContainer<?> container, Path clockFile) {}

  private final Settings settings;
  private final RunScope scope = RunScope.next();
  private final List<Network> networks = new ArrayList<>();
  private final Map<String, Member> members = new LinkedHashMap<>();
  /** The node started to join, or null ({@link Settings#spare()}). */
  private Member spare;
  /** The fleet's credentials with {@code -Dchaos.secure=true}, else null. */
  private FleetCredentials security;
  private final Set<String> killed = ConcurrentHashMap.newKeySet();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  /** Nodes that may hold iptables rules (flushed by heal). */
  private final Set<String> withRules = ConcurrentHashMap.newKeySet();
  private final DockerClient docker;
  /** Several regions: the only path between them (see {@link WanRelay}); null on one region. */
  private WanRelay relay;
  /** How long the containers took from start until every node logged that it serves. */
  private volatile long startMillis;
  /** Several regions: the shared network's gateway, where the relay listens; null on one region. */
  private String wanGateway;

  private ContainerCluster(Settings settings) {
    this.settings = settings;
    this.docker = DockerClientFactory.instance().client();
  }

  /** Starts the cluster and returns once every node's container logged that it serves. */
  public static ContainerCluster start(Settings settings) {
    ContainerCluster cluster = new ContainerCluster(settings);
    try {
      cluster.create();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Removes the containers and networks that ended runs left behind (of JVMs that no longer run:
   * {@link RunScope#removeLeftovers}); those of runs still going stay.
   */
  public static void removeLeftovers() {
    RunScope.removeLeftovers(DockerClientFactory.instance().client());
  }

  /** This cluster's scope: its tag names its containers and networks. */
  public RunScope scope() {
    return scope;
  }

  private void create() {
    if (!Files.isRegularFile(settings.nodeJar())) {
      throw new IllegalStateException("node jar " + settings.nodeJar()
          + " is missing: build it with ./mvnw -q -DskipTests -pl node -am package");
    }
    String java = NodeFiles.javaBinary();
    if (!java.startsWith("/usr/")) {
      throw new IllegalStateException("the JDK must live under /usr to be bound into the containers, is " + java);
    }
    ImageFromDockerfile image = new ImageFromDockerfile(IMAGE, false)
        .withDockerfileFromBuilder(b -> b.from("scratch")
            .label(RunScope.LABEL, "true")
            .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .build());
    List<Map<String, Object>> regions = new ArrayList<>();
    List<String[]> plan = new ArrayList<>();
    int index = 0;
    // Several regions share one network ("wan", 172.29.50.0/24): Docker isolates bridge networks
    // from each other, and the nodes of different regions must reach each other directly (the
    // region nemeses cut them with iptables like any partition). One region: its own network.
    boolean wan = settings.regions() > 1;
    // one shared network ("wan") for several regions, else one per region
    List<String> names = wan ? List.of("wan")
        : Stream.iterate(0, r -> r < settings.regions(), r -> r + 1).map(ContainerCluster::regionName).toList();
    RunScope.Networks created = scope.createNetworks(docker, names);
    networks.addAll(created.networks());
    int base = created.firstSubnet();
    wanGateway = wan ? "172.29." + base + ".1" : null;
    for (int r = 0; r < settings.regions(); r++) {
      String region = regionName(r);
      int subnet = wan ? base : base + r;
      List<Map<String, Object>> nodes = new ArrayList<>();
      for (int n = 0; n < settings.nodesPerRegion(); n++, index++) {
        String id = "n" + (index + 1);
        String ip = "172.29." + subnet + "." + (11 + (wan ? index : n));
        nodes.add(addresses(id, ip));
        plan.add(new String[] {id, region, ip, String.valueOf(wan ? 0 : r)});
      }
      regions.add(Map.of("name", region, "nodes", nodes));
    }
    try {
      Files.createDirectories(settings.workDir());
      // the spare: the founding nodes' topology does not name it, it becomes a member only by add-node
      String[] spareNode = {"n" + (index + 1), regionName(0), "172.29." + base + "." + (11 + index), "0"};
      if (SecureTestbed.enabled()) {
        if (wan) {
          throw new IllegalStateException("-D" + SecureTestbed.PROPERTY + "=true runs the regional workloads only");
        }
        security = SecureTestbed.create(settings.workDir(), settings.shards(), regions, !settings.spare() ? List.of()
            : List.of(new NodeConfig.NodeAddress(spareNode[0], spareNode[2], PUBLIC_PORT, 7500, 7600, RAFT_PORT)));
      }
      Map<String, Map<String, int[]>> relayPorts = wan ? openRelay(regions) : Map.of();
      for (String[] p : plan) {
        String yaml = NodeFiles.yaml(settings, p[0], p[1], regions, wanGateway, relayPorts.getOrDefault(p[1], Map.of()),
            false, security);
        members.put(p[0], member(image, java, p, yaml));
      }
      if (settings.spare()) {
        String[] p = spareNode;
        Map<String, Object> region = regions.getFirst();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = new ArrayList<>((List<Map<String, Object>>) region.get("nodes"));
        nodes.add(addresses(p[0], p[2]));
        spare = member(image, java, p,
            NodeFiles.yaml(settings, p[0], p[1], List.of(Map.of("name", p[1], "nodes", nodes)), null, Map.of(), true,
                security));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // all at once: a node's Raft group needs its peers up before it elects a leader
    List<Member> all = all();
    ExecutorService pool = Executors.newFixedThreadPool(all.size());
    long began = System.nanoTime();
    try {
      List<Future<?>> started = new ArrayList<>();
      for (Member m : all) {
        started.add(pool.submit(() -> m.container().start()));
      }
      for (Future<?> f : started) {
        f.get();
      }
      startMillis = (System.nanoTime() - began) / 1_000_000;
      LOG.info("{} node containers serving after {} ms (libfaketime {}{})", all.size(), startMillis,
          settings.fakeTime() ? "preloaded" : "off",
          security == null ? "" : "; secure: TLS, mutual TLS, client tokens, encryption at rest");
    } catch (Exception e) {
      throw new IllegalStateException("could not start the node containers: " + e.getMessage(), e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A node's ports and address, as the topology names them. */
  private static Map<String, Object> addresses(String id, String ip) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("id", id);
    node.put("host", ip);
    node.put("publicPort", PUBLIC_PORT);
    node.put("httpPort", 7500);
    node.put("internalPort", 7600);
    node.put("raftPort", RAFT_PORT);
    return node;
  }

  /** The container of node {@code p} = {id, region, ip, network index}, not started yet. */
  private Member member(ImageFromDockerfile image, String java, String[] p, String yaml) throws IOException {
    String id = p[0];
    Path dir = Files.createDirectories(settings.workDir().resolve(id));
    Path config = dir.resolve("node.yaml");
    Files.writeString(config, yaml);
    Path clockDir = Files.createDirectories(dir.resolve("faketime"));
    Path clockFile = clockDir.resolve("offset");
    NodeFiles.writeAtomically(clockFile, "+0\n");
    GenericContainer<?> c = LazyFs.mount(settings.disk(), new GenericContainer<>(image)
        .withImagePullPolicy(name -> false)
        .withNetwork(networks.get(Integer.parseInt(p[3])))
        .withLabels(scope.labels())
        .withFileSystemBind("/usr", "/usr", BindMode.READ_ONLY)
        .withFileSystemBind("/lib", "/lib", BindMode.READ_ONLY)
        .withFileSystemBind("/lib64", "/lib64", BindMode.READ_ONLY)
        .withFileSystemBind("/bin", "/bin", BindMode.READ_ONLY)
        .withFileSystemBind("/sbin", "/sbin", BindMode.READ_ONLY)
        .withFileSystemBind("/etc/alternatives", "/etc/alternatives", BindMode.READ_ONLY)
        .withFileSystemBind(settings.nodeJar().toAbsolutePath().toString(), "/opt/edgekv/edgekv-node.jar", BindMode.READ_ONLY)
        .withFileSystemBind(config.toAbsolutePath().toString(), "/etc/edgekv/node.yaml", BindMode.READ_ONLY)
        .withFileSystemBind(clockDir.toAbsolutePath().toString(), "/faketime", BindMode.READ_WRITE)
        .withTmpFs(Map.of("/tmp", "rw,exec,size=128m")) // exec: RocksDB unpacks its JNI library there
        .withEnv(nodeEnv())
        .withCreateContainerCmdModifier(cmd -> {
          cmd.withHostName(id).withIpv4Address(p[2]).withName(scope.containerName(id));
          cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN);
        }), settings.workDir())
        .withCommand(LazyFs.command(settings.disk(), java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-Xmx" + settings.heap(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.io.edgekv=info",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-jar", "/opt/edgekv/edgekv-node.jar", "serve", "--config", "/etc/edgekv/node.yaml"))
        .waitingFor(Wait.forLogMessage(".*serving on.*", 1).withStartupTimeout(Duration.ofSeconds(240)));
    // the output of the node's first start as it comes (the stream ends at the first kill; saveLogs
    // takes the whole log at the end), kept when that start fails: Testcontainers then removes
    // the container and its log
    Path output = dir.resolve("output.log");
    c.withLogConsumer(frame -> {
      try {
        Files.writeString(output, frame.getUtf8String(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        LOG.debug("could not keep the output of {}: {}", id, e.toString());
      }
    });
    if (security != null) {
      // -Dchaos.secure: the fleet's credentials, at the path the node config names
      String credentials = security.caCert().getParent().toString();
      c.withFileSystemBind(credentials, credentials, BindMode.READ_ONLY);
    }
    return new Member(new NodeRef(id, p[1], p[2] + ":" + PUBLIC_PORT), p[2], c, clockFile);
  }

  /**
   * Starts the WAN relay on the shared network's gateway and opens, for every region and every
   * node of the other regions, a relay port for that node's internal and public port.
   *
   * @return per source region, per remote node id, {internal relay port, public relay port}
   */
  private Map<String, Map<String, int[]>> openRelay(List<Map<String, Object>> regions) throws IOException {
    relay = new WanRelay(InetAddress.getByName(wanGateway));
    Map<String, Map<String, int[]>> out = new LinkedHashMap<>();
    for (Map<String, Object> from : regions) {
      String src = (String) from.get("name");
      Map<String, int[]> ports = new LinkedHashMap<>();
      for (Map<String, Object> to : regions) {
        String dst = (String) to.get("name");
        if (dst.equals(src)) {
          continue;
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) to.get("nodes");
        for (Map<String, Object> n : nodes) {
          String host = (String) n.get("host");
          int internal = relay.open(src, dst, new InetSocketAddress(host, (Integer) n.get("internalPort")));
          int pub = relay.open(src, dst, new InetSocketAddress(host, (Integer) n.get("publicPort")));
          ports.put((String) n.get("id"), new int[] {internal, pub});
        }
      }
      out.put(src, ports);
    }
    return out;
  }

  private Map<String, String> nodeEnv() {
    Map<String, String> env = new LinkedHashMap<>(settings.env());
    if (!settings.fakeTime()) {
      return env;
    }
    env.put("LD_PRELOAD", FAKETIME_LIB);
    env.put("FAKETIME_TIMESTAMP_FILE", "/faketime/offset");
    // re-read the offset file at most once a second (FAKETIME_NO_CACHE reads it on every call)
    env.put("FAKETIME_CACHE_DURATION", "1");
    // libfaketime 0.9.10 reads FAKETIME_DONT_FAKE_MONOTONIC; DONT_FAKE_MONOTONIC is the older name
    env.put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    env.put("DONT_FAKE_MONOTONIC", "1");
    // The cause of the slow JVM start: libfaketime's "forced monotonic fix" rewrites
    // pthread_cond_timedwait so that the JVM's timed waits (park, sleep, every timer) return
    // early; the JVM spins. Measured on the host: 20 x 150 ms of timed waits took 2.4 s wall and
    // 3.9 s CPU with it, 3.1 s wall and 0.19 s CPU without (docs/chaos.md).
    env.put("FAKETIME_FORCE_MONOTONIC_FIX", "0");
    return env;
  }

  /** The region names of the node's own dev topology, so that every harness names regions alike. */
  public static String regionName(int r) {
    return DevTopology.regionName(r);
  }

  @Override
  public List<NodeRef> nodes() {
    return members.values().stream().map(Member::ref).toList();
  }

  @Override
  public Optional<Spare> spare() {
    return Optional.ofNullable(spare).map(m -> new Spare(m.ref(), m.ip(), RAFT_PORT));
  }

  /** The founding members, then the spare. */
  private List<Member> all() {
    List<Member> all = new ArrayList<>(members.values());
    if (spare != null) {
      all.add(spare);
    }
    return all;
  }

  @Override
  public Set<FaultKind> supports() {
    EnumSet<FaultKind> kinds = EnumSet.allOf(FaultKind.class);
    if (!settings.fakeTime()) {
      kinds.remove(FaultKind.CLOCK);
    }
    if (settings.disk() == LazyFs.Disk.LAYER) {
      kinds.remove(FaultKind.POWER_LOSS);
    }
    if (settings.regions() < 2) {
      kinds.remove(FaultKind.REGION_PARTITION);
      kinds.remove(FaultKind.WAN);
    }
    return kinds;
  }

  private Member member(String node) {
    Member m = members.get(node);
    if (m == null) {
      throw new IllegalArgumentException("no node " + node);
    }
    return m;
  }

  @Override
  public void kill(String node) {
    Member m = member(node);
    if (paused.remove(node)) {
      docker.unpauseContainerCmd(m.container().getContainerId()).exec();
    }
    docker.killContainerCmd(m.container().getContainerId()).withSignal("KILL").exec();
    killed.add(node);
  }

  @Override
  public void restart(String node) {
    if (killed.remove(node)) {
      docker.startContainerCmd(member(node).container().getContainerId()).exec();
    }
  }

  @Override
  public void pause(String node) {
    if (!killed.contains(node) && paused.add(node)) {
      docker.pauseContainerCmd(member(node).container().getContainerId()).exec();
    }
  }

  @Override
  public void resume(String node) {
    if (paused.remove(node)) {
      docker.unpauseContainerCmd(member(node).container().getContainerId()).exec();
    }
  }

  @Override
  public void cut(String a, String b) {
    Member ma = member(a);
    Member mb = member(b);
    if (relay != null && !ma.ref().region().equals(mb.ref().region())) {
      // across regions the relay is the only path (the configs name no other region's real
      // address); it resets the pair's connections and refuses new ones
      relay.cut(ma.ip(), mb.ip());
      return;
    }
    reject(a, mb.ip());
    reject(b, ma.ip());
  }

  @Override
  public void wan(String from, String to, Duration oneWayDelay, double loss) {
    if (relay == null) {
      throw new UnsupportedOperationException("one region: no WAN");
    }
    relay.set(from, to, new WanRelay.Conditions(oneWayDelay, loss));
  }

  private void reject(String node, String peerIp) {
    if (killed.contains(node) || paused.contains(node)) {
      return; // a dead or frozen node's rules would be lost or could not be set; its peers' rules suffice
    }
    withRules.add(node);
    iptables(node, "-A", "INPUT", "-s", peerIp, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
    iptables(node, "-A", "OUTPUT", "-d", peerIp, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
  }

  private void iptables(String node, String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = IPTABLES;
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      ExecResult r = member(node).container().execInContainer(cmd);
      if (r.getExitCode() != 0) {
        throw new IllegalStateException("iptables on " + node + " failed: " + r.getStderr());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void setClockOffset(String node, Duration offset) {
    double seconds = offset.toMillis() / 1000.0;
    try {
      NodeFiles.writeAtomically(member(node).clockFile(), String.format(Locale.ROOT, "%+.3f%n", seconds));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void heal() {
    for (String node : members.keySet()) {
      resume(node);
      restart(node);
      if (settings.fakeTime()) {
        setClockOffset(node, Duration.ZERO);
      }
    }
    if (relay != null) {
      relay.heal();
    }
    // only where rules were added: each docker exec takes 1-3 s on this machine, and the history's
    // stop is recorded once the heal is complete (cuts between regions live in the relay)
    for (String node : List.copyOf(withRules)) {
      iptables(node, "-F", "INPUT");
      iptables(node, "-F", "OUTPUT");
      withRules.remove(node);
    }
  }

  @Override
  public void saveLogs(Path dir) {
    try {
      Files.writeString(dir.resolve("cluster.txt"), members.size() + " nodes serving " + startMillis
          + " ms after the containers were started; libfaketime " + (settings.fakeTime() ? "preloaded" : "off") + "\n");
    } catch (IOException e) {
      LOG.warn("could not save the cluster's start time: {}", e.getMessage());
    }
    if (relay != null) {
      try {
        Files.writeString(dir.resolve("wan-relay.txt"), relay.stats() + "\n");
      } catch (IOException e) {
        LOG.warn("could not save the relay's stats: {}", e.getMessage());
      }
    }
    for (Member m : all()) {
      try {
        Files.writeString(dir.resolve(m.ref().id() + ".log"), m.container().getLogs());
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not save the log of {}: {}", m.ref().id(), e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    SecureTestbed.closed();
    if (relay != null) {
      relay.close();
    }
    for (Member m : all()) {
      String id = m.container().getContainerId();
      if (id != null) {
        try {
          docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException e) {
          LOG.warn("could not remove {}: {}", m.ref().id(), e.getMessage());
        }
      }
    }
    for (Network n : networks) {
      try {
        n.close();
      } catch (RuntimeException e) {
        LOG.warn("could not remove network: {}", e.getMessage());
      }
    }
  }
}
