package io.edgekv.node.cli;

import io.edgekv.node.EdgeKvNode;
import io.edgekv.node.NodeEnvironment;
import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.config.UnsafeSwitches;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgekv serve --config FILE}: runs one node until SIGTERM / Ctrl-C, then stops gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run one EdgeKV node from a YAML config file (see `edgekv dev --config-out`).")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's YAML config file.")
  Path config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    NodeConfig nodeConfig = ConfigFiles.read(config);
    EdgeKvNode node = new EdgeKvNode(nodeConfig, NodeEnvironment.of(Clock.systemUTC())
        .withUnsafe(UnsafeSwitches.from(EdgeKvCommand.root(spec).env())));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "edgekv-shutdown"));
    node.start();
    System.err.println("serving " + nodeConfig.nodeId() + " (region " + nodeConfig.region().name() + ") on "
        + nodeConfig.self().publicAddress() + ", http " + nodeConfig.self().httpAddress());
    stopped.await();
    return ExitCodes.OK;
  }
}
