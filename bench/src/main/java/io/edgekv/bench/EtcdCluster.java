package io.edgekv.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A 3-member etcd cluster on loopback, each member a process of its own with its data directory
 * (etcd fsyncs its WAL on every commit by default): the anchor of durable writes and
 * linearizable reads. Member i serves clients on {@code clientBase+i} and peers on {@code
 * peerBase+i}.
 */
final class EtcdCluster extends ProcessSystem {
  static final int MEMBERS = 3;

  private EtcdCluster(int clientBase) {
    super("etcd", "127.0.0.1:" + clientBase, true);
  }

  static EtcdCluster start(Path binary, int clientBase, int peerBase, Path dir, Path logs) throws InterruptedException {
    String initial = IntStream.range(0, MEMBERS)
        .mapToObj(i -> "m" + i + "=http://127.0.0.1:" + (peerBase + i)).collect(Collectors.joining(","));
    EtcdCluster cluster = new EtcdCluster(clientBase);
    try {
      for (int i = 0; i < MEMBERS; i++) {
        String client = "http://127.0.0.1:" + (clientBase + i);
        String peer = "http://127.0.0.1:" + (peerBase + i);
        cluster.processes.start(List.of(binary.toString(), "--name", "m" + i,
            "--data-dir", dir.resolve("m" + i).toString(),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initial, "--initial-cluster-token", "edgekv-bench",
            "--initial-cluster-state", "new", "--logger", "zap", "--log-level", "warn"),
            logs.resolve("etcd-m" + i + ".log"));
      }
      List<String> health = new ArrayList<>();
      for (int i = 0; i < MEMBERS; i++) {
        health.add("http://127.0.0.1:" + (clientBase + i) + "/health");
      }
      cluster.processes.await("etcd", Duration.ofSeconds(60),
          () -> health.stream().allMatch(url -> Processes.httpOk(url, "\"health\":\"true\"")));
      return cluster;
    } catch (RuntimeException | InterruptedException e) {
      cluster.close();
      throw e;
    }
  }
}
