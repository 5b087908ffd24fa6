package io.edgekv.chaos.cluster;

import io.edgekv.node.config.ByteSize;
import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.config.Durations;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.config.SecuritySettings;
import io.edgekv.node.security.FleetCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What a node container is started with: its config (written by the node's own config writer) and JDK. */
final class NodeFiles {
  private NodeFiles() {}

  /**
   * The node's config: its own region's nodes at their addresses, every other region's nodes at
   * their relay ports on the gateway ({@code relayPorts}: remote node id to {internal, public}).
   *
   * @param regions the topology the node is told about, as name and node maps
   * @param wanGateway several regions: where the WAN relay listens (null on one region)
   * @param join true for a spare node: it joins the running region when {@code admin add-node}
   *     adds it, instead of forming the region's groups
   * @param security with {@code -Dchaos.secure=true}, the fleet's credentials ({@link SecureTestbed}); else null
   */
  static String yaml(ContainerCluster.Settings settings, String id, String ownRegion, List<Map<String, Object>> regions,
      String wanGateway, Map<String, int[]> relayPorts, boolean join, FleetCredentials security) {
    List<NodeConfig.Region> topology = new ArrayList<>();
    for (Map<String, Object> region : regions) {
      List<NodeConfig.NodeAddress> addresses = new ArrayList<>();
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> nodes = (List<Map<String, Object>>) region.get("nodes");
      for (Map<String, Object> n : nodes) {
        String nodeId = (String) n.get("id");
        int[] relayed = region.get("name").equals(ownRegion) ? null : relayPorts.get(nodeId);
        addresses.add(relayed == null
            ? address(n)
            // through the WAN relay; http and raft are never used across regions (they point at the public relay port)
            : new NodeConfig.NodeAddress(nodeId, wanGateway, relayed[1], relayed[1], relayed[0], relayed[1]));
      }
      topology.add(new NodeConfig.Region((String) region.get("name"), addresses));
    }
    NodeConfig config = NodeConfig.of(id, "/data", new NodeConfig.Topology(settings.shards(), topology)).withBindHost("0.0.0.0")
        .withRaft(NodeConfig.RaftSettings.DEFAULT.withTimeouts(Durations.parse(settings.electionMin(), "electionMin"),
            Durations.parse(settings.electionMax(), "electionMax"), Duration.ofSeconds(3))
              // snapshots in every run: a checkpoint every 100 entries, small segments so the log is
              // purged, and restarted or lagging followers install snapshots (docs/chaos.md)
              .withLog(100, ByteSize.ofKiB(64)))
        .withStorage(NodeConfig.StorageSettings.DEFAULT.withSizes(ByteSize.ofMiB(4), ByteSize.ofMiB(2), 1))
        // The chaos testbed is a private Docker network of its own: plaintext, no tokens, by choice,
        // unless -Dchaos.secure=true
        .withSecurity(SecuritySettings.DEFAULT.withInsecure(true))
        .withJoin(join);
    return ConfigFiles.toYaml((security == null ? config : security.secure(config)).validate());
  }

  /** A node of the layout {@link ContainerCluster} makes (id, host and port map) as the config names it. */
  static NodeConfig.NodeAddress address(Map<String, Object> n) {
    return new NodeConfig.NodeAddress((String) n.get("id"), (String) n.get("host"), (Integer) n.get("publicPort"),
        (Integer) n.get("httpPort"), (Integer) n.get("internalPort"), (Integer) n.get("raftPort"));
  }

  static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A JDK of at least 24 (the node is built for it) under /usr, to bind into the containers. */
  static String javaBinary() {
    Path home = Path.of(System.getProperty("java.home"));
    if (Runtime.version().feature() >= 24) {
      return home.resolve("bin/java").toString();
    }
    try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
      return jdks.filter(p -> p.getFileName().toString().startsWith("temurin-25")).sorted()
          .reduce((a, b) -> b).orElseThrow(() -> new IllegalStateException("no JDK >= 24 under /usr/lib/jvm"))
          .resolve("bin/java").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
