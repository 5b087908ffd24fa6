package io.edgekv.node.cli;

import io.edgekv.node.EdgeKvNode;
import io.edgekv.node.NodeEnvironment;
import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.config.Durations;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.node.dev.DevTopology;
import io.edgekv.node.dev.ReadyProbe;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgekv dev}: a local cluster in one process with no configuration. Every node has its
 * own ports, storage, Raft server and registry, and talks to the others over loopback sockets.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
    description = "Start a local EdgeKV cluster in this process (Ctrl-C stops it).")
public final class DevCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--regions", defaultValue = "3", description = "Regions (default ${DEFAULT-VALUE}).")
  int regions;

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes per region (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--shards", defaultValue = "1", description = "Raft groups per region (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--base-port", defaultValue = "7400",
      description = "Node i listens on B+i (API), B+100+i (HTTP), B+200+i (internal), B+300+i (Raft). Default ${DEFAULT-VALUE}.")
  int basePort;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Data directory (kept); default: a temporary directory removed on exit.")
  Path data;

  @Option(names = "--config-out", paramLabel = "DIR",
      description = "Write node-<i>.yaml for each node into DIR and exit, to run nodes with `edgekv serve`.")
  Path configOut;

  @Option(names = "--wan-delay", defaultValue = "0", paramLabel = "MS",
      description = "Emulated one-way delay in ms between regions (default ${DEFAULT-VALUE}).")
  long wanDelayMillis;

  @Option(names = "--wan-loss", defaultValue = "0", paramLabel = "PCT",
      description = "Emulated loss of cross-region calls in percent (default ${DEFAULT-VALUE}).")
  double wanLossPercent;

  @Option(names = "--ready-timeout", defaultValue = "120s", converter = DurationConverter.class,
      description = "Give up if the cluster is not ready within this (default ${DEFAULT-VALUE}).")
  Duration readyTimeout;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    boolean temporary = data == null;
    Path root = temporary ? Files.createTempDirectory("edgekv-dev-") : data;
    NodeConfig.Topology topology;
    List<NodeConfig> configs;
    try {
      topology = DevTopology.topology(regions, nodes, shards, bind, basePort);
      if (wanDelayMillis < 0 || wanLossPercent < 0 || wanLossPercent > 100) {
        throw new IllegalArgumentException("--wan-delay must be >= 0 and --wan-loss between 0 and 100");
      }
      NodeConfig.ReplicationSettings replication =
          NodeConfig.ReplicationSettings.DEFAULT.withWan(Duration.ofMillis(wanDelayMillis), wanLossPercent);
      configs = DevTopology.configs(topology, bind, root, NodeConfig.RaftSettings.DEFAULT).stream()
          .map(c -> c.withReplication(replication).validate()).toList();
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (configOut != null) {
      Files.createDirectories(configOut);
      for (int i = 0; i < configs.size(); i++) {
        ConfigFiles.write(configs.get(i), configOut.resolve("node-" + i + ".yaml"));
      }
      if (temporary) {
        deleteTree(root);
      }
      System.err.println("wrote " + configs.size() + " node configs to " + configOut);
      return ExitCodes.OK;
    }

    NodeEnvironment environment = NodeEnvironment.of(Clock.systemUTC())
        .withUnsafe(UnsafeSwitches.from(EdgeKvCommand.root(spec).env()));
    List<EdgeKvNode> running = new ArrayList<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.reversed().forEach(EdgeKvNode::close);
      if (temporary) {
        deleteTree(root);
      }
      stopped.countDown();
    }, "edgekv-dev-shutdown"));
    for (NodeConfig config : configs) {
      EdgeKvNode node = new EdgeKvNode(config, environment);
      synchronized (running) {
        running.add(node);
      }
      node.start();
      NodeConfig.NodeAddress self = config.self();
      out.printf("%s region=%s public=%s http=%s%n", config.nodeId(), config.region().name(),
          self.publicAddress(), self.httpAddress());
      out.flush();
    }
    System.err.println("data in " + root + (temporary ? " (removed on exit)" : ""));
    ReadyProbe probe = new ReadyProbe(configs.stream().map(c -> c.self().httpAddress()).toList());
    if (!probe.awaitAllReady(readyTimeout)) {
      System.err.println("error: UNAVAILABLE: cluster not ready within " + Durations.format(readyTimeout)
          + ": " + probe.lastProblem());
      return ExitCodes.UNAVAILABLE;
    }
    out.printf("ready: %d node(s) in %d region(s), %d shard(s) per region; try ./edgekv kv put greeting hello --endpoint %s%n",
        configs.size(), regions, shards, configs.get(0).self().publicAddress());
    out.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("warning: could not remove " + root + ": " + e.getMessage());
    }
  }
}
