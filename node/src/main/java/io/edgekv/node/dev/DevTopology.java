package io.edgekv.node.dev;

import io.edgekv.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The port plan and configs of a local cluster (DESIGN.md section 9): R regions of M nodes,
 * numbered region-major (node i = r*M + n); with base port B, node i serves the public API on
 * B+i, HTTP on B+100+i, the internal service on B+200+i and Raft on B+300+i.
 */
public final class DevTopology {
  public static final int MAX_NODES = 100;
  private static final List<String> REGION_NAMES =
      List.of("eu-west", "us-east", "ap-south", "sa-east", "af-south", "me-central", "ap-east", "us-west");

  private DevTopology() {}

  public static String regionName(int r) {
    return r < REGION_NAMES.size() ? REGION_NAMES.get(r) : "region-" + r;
  }

  public static NodeConfig.Topology topology(int regions, int nodesPerRegion, int shards, String host, int basePort) {
    if (regions < 1 || nodesPerRegion < 1 || regions * nodesPerRegion > MAX_NODES) {
      throw new IllegalArgumentException("--regions x --nodes must be between 1 and " + MAX_NODES + ", was "
          + regions + " x " + nodesPerRegion);
    }
    if (basePort < 1024 || basePort + 399 > 65535) {
      throw new IllegalArgumentException("--base-port must be between 1024 and 65136, was " + basePort);
    }
    List<NodeConfig.Region> out = new ArrayList<>();
    for (int r = 0; r < regions; r++) {
      List<NodeConfig.NodeAddress> nodes = new ArrayList<>();
      for (int n = 0; n < nodesPerRegion; n++) {
        int i = r * nodesPerRegion + n;
        nodes.add(new NodeConfig.NodeAddress("node-" + i, host, basePort + i, basePort + 100 + i,
            basePort + 200 + i, basePort + 300 + i));
      }
      out.add(new NodeConfig.Region(regionName(r), nodes));
    }
    return new NodeConfig.Topology(shards, out);
  }

  /** One config per node, in node order, each with its own data directory under {@code dataRoot}. */
  public static List<NodeConfig> configs(NodeConfig.Topology topology, String bindHost, Path dataRoot,
      NodeConfig.RaftSettings raft) {
    List<NodeConfig> out = new ArrayList<>();
    for (NodeConfig.NodeAddress node : topology.allNodes()) {
      out.add(NodeConfig.of(node.id(), dataRoot.resolve(node.id()).toAbsolutePath().toString(), topology)
          .withBindHost(bindHost).withRaft(raft).validate());
    }
    return out;
  }
}
