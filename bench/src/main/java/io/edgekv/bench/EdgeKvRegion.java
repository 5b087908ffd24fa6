package io.edgekv.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One EdgeKV region of three nodes, each an {@code edgekv serve} JVM of its own, configured by
 * {@code edgekv dev --regions 1 --config-out} with base port B: node i serves the API on B+i,
 * HTTP on B+100+i, internal calls on B+200+i and Raft on B+300+i. The one change to those
 * configs: {@code storage.blockCacheBytes} holds the measured data set, as Redis holds it in
 * memory ({@code dev}'s 8 MiB default is sized for nine nodes in one small JVM).
 */
final class EdgeKvRegion extends ProcessSystem {
  static final int NODES = 3;
  /** Generous: three JVMs starting on a loaded 2-core machine (JIT, RocksDB, Ratis) took over 3 minutes. */
  private static final Duration READY = Duration.ofMinutes(8);

  private EdgeKvRegion(int basePort) {
    super("edgekv", "127.0.0.1:" + basePort, false);
  }

  /**
   * Writes the node configs, starts the three nodes and waits until each answers /readyz; with
   * {@code profile}, each node records a JFR profile into {@code logs/edgekv-node-<i>.jfr}, dumped
   * when it stops.
   *
   * @param blockCacheBytes each node's RocksDB block cache
   */
  static EdgeKvRegion start(Launcher launcher, int basePort, Path dir, Path logs, boolean profile,
      long blockCacheBytes) throws InterruptedException {
    Path conf = dir.resolve("conf");
    List<String> dev = launcher.java(List.of("-jar", launcher.edgekvJar().toString(), "dev", "--regions", "1",
        "--nodes", String.valueOf(NODES), "--base-port", String.valueOf(basePort), "--bind", "127.0.0.1",
        "--data", dir.resolve("data").toString(), "--config-out", conf.toString()), "256m");
    try {
      Process p = new ProcessBuilder(dev).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("edgekv-config.log").toFile())).start();
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("edgekv dev --config-out failed: " + Processes.tail(logs.resolve("edgekv-config.log")));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + dev, e);
    }
    for (int i = 0; i < NODES; i++) {
      Path file = conf.resolve("node-" + i + ".yaml");
      try {
        String yaml = Files.readString(file);
        String sized = yaml.replaceFirst("(?m)^(\\s*blockCacheBytes:).*$",
            "$1 " + Math.max(1, (blockCacheBytes + (1 << 20) - 1) >> 20) + "MiB");
        if (sized.equals(yaml)) {
          throw new IllegalStateException("edgekv dev --config-out wrote no storage.blockCacheBytes in " + file);
        }
        Files.writeString(file, sized);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot size the block cache in " + file, e);
      }
    }
    EdgeKvRegion region = new EdgeKvRegion(basePort);
    try {
      for (int i = 0; i < NODES; i++) {
        List<String> args = new ArrayList<>();
        if (profile) {
          args.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
              + logs.resolve("edgekv-node-" + i + ".jfr"));
        }
        args.addAll(List.of("-jar", launcher.edgekvJar().toString(), "serve", "--config",
            conf.resolve("node-" + i + ".yaml").toString()));
        region.processes.start(launcher.java(args, "1g"), logs.resolve("edgekv-node-" + i + ".log"));
      }
      List<String> ready = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        ready.add("http://127.0.0.1:" + (basePort + 100 + i) + "/readyz");
      }
      region.processes.await("EdgeKV region", READY,
          () -> ready.stream().allMatch(url -> Processes.httpOk(url, "\"ready\":true")));
      return region;
    } catch (RuntimeException | InterruptedException e) {
      region.close();
      throw e;
    }
  }
}
