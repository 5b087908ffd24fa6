package io.edgekv.node.testing;

import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.config.NodeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One node of a one-node region in its own JVM ({@code edgekv serve}), for tests that need what
 * the test JVM cannot give a node: a small heap of its own, or a process that can die. The
 * node's output goes to {@link #log()}.
 */
public final class NodeProcess implements AutoCloseable {
  private final Path root;
  private final NodeConfig config;
  private final Process process;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  private NodeProcess(Path root, NodeConfig config, Process process, Path log) {
    this.root = root;
    this.config = config;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the node with the test's class path and {@code jvmOptions} (e.g. {@code -Xmx256m})
   * and waits until {@code /readyz} answers 200.
   */
  public static NodeProcess start(Duration readyWithin, String... jvmOptions) throws IOException {
    return start(readyWithin, NodeConfig.Limits.DEFAULT, jvmOptions);
  }

  /** As {@link #start(Duration, String...)}, with other input limits. */
  public static NodeProcess start(Duration readyWithin, NodeConfig.Limits limits, String... jvmOptions)
      throws IOException {
    Path root = Files.createTempDirectory("edgekv-process-");
    int[] ports = MiniKvCluster.freePorts(4);
    NodeConfig.NodeAddress address = new NodeConfig.NodeAddress("node-0", "127.0.0.1", ports[0], ports[1], ports[2],
        ports[3]);
    NodeConfig config = NodeConfig.of("node-0", root.resolve("data").toString(),
        new NodeConfig.Topology(1, List.of(new NodeConfig.Region("proc", List.of(address))))).withLimits(limits)
        .validate();
    Path file = root.resolve("node-0.yaml");
    ConfigFiles.write(config, file);
    Path log = root.resolve("node-0.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.edgekv.node.cli.EdgeKvCommand",
        "serve", "--config", file.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    NodeProcess node = new NodeProcess(root, config, process, log);
    try {
      MiniKvCluster.await(readyWithin, "the node process is ready", () -> {
        if (!process.isAlive()) {
          throw new AssertionError("the node process exited with " + process.exitValue() + ": " + node.log());
        }
        return node.httpStatus("/readyz") == 200;
      });
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
    return node;
  }

  public String publicAddress() {
    return config.self().publicAddress();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the node printed so far. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The HTTP status of a GET on the node's HTTP port, or -1 when it does not answer. */
  public int httpStatus(String path) {
    try {
      return http.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The body of a GET on the node's HTTP port (e.g. {@code /metrics}). */
  public String httpGet(String path) throws IOException, InterruptedException {
    return http.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://" + config.self().httpAddress() + path))
        .timeout(Duration.ofSeconds(5)).build();
  }

  /** Kills the process and deletes its files. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind
    }
  }
}
