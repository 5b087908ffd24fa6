package io.edgekv.chaos.cluster;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvClientBuilder;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.security.FleetCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code -Dchaos.secure=true}: the containers run as a secure fleet (docs/security.md): TLS on the
 * public port, mutual TLS on the internal and Raft ports, client tokens and encryption at rest.
 * The CA, node certificates (each naming its container address), token keys and master key are
 * made per run in {@code <run dir>/security} by the code behind {@code edgekv admin certs init}
 * ({@link FleetCredentials}) and bound read-only into every container at the same path; the
 * harness's clients ({@link #clientBuilder()}) trust the CA and carry a root token. Regional
 * workloads only: cross-region nodes reach each other through the WAN relay, whose address no
 * certificate names. One secure cluster at a time in a JVM (the clients' credentials are the
 * running cluster's), so not with {@code ConcurrentClustersIT}.
 */
public final class SecureTestbed {
  /** The switch. */
  public static final String PROPERTY = "chaos.secure";

  /** The running secure cluster's client credentials; null while none runs. */
  private static volatile ClientCredentials clients;

  private SecureTestbed() {}

  public static boolean enabled() {
    return Boolean.parseBoolean(System.getProperty(PROPERTY, "false").trim());
  }

  /**
   * Makes the fleet's credentials for {@code regions} (as {@link ContainerCluster} lays them out:
   * name and node maps) plus {@code extraNodes} of the first region, and sets the harness's client
   * credentials to them.
   */
  static FleetCredentials create(Path runDir, int shards, List<Map<String, Object>> regions,
      List<NodeConfig.NodeAddress> extraNodes) throws IOException {
    if (clients != null) {
      throw new IllegalStateException("-D" + PROPERTY + "=true runs one cluster at a time: another secure one is running");
    }
    List<NodeConfig.Region> topology = new ArrayList<>();
    for (Map<String, Object> region : regions) {
      List<NodeConfig.NodeAddress> nodes = new ArrayList<>();
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> listed = (List<Map<String, Object>>) region.get("nodes");
      listed.forEach(n -> nodes.add(NodeFiles.address(n)));
      if (topology.isEmpty()) {
        nodes.addAll(extraNodes);
      }
      topology.add(new NodeConfig.Region((String) region.get("name"), nodes));
    }
    FleetCredentials fleet = FleetCredentials.create(runDir.resolve("security"), new NodeConfig.Topology(shards,
        topology));
    clients = ClientCredentials.tls(fleet.caCert()).withToken(fleet.rootToken(Duration.ofDays(1), Clock.systemUTC()));
    return fleet;
  }

  /** Forgets the client credentials (the cluster is gone). */
  static void closed() {
    clients = null;
  }

  /** {@link EdgeKvClient#builder()}, with the running secure cluster's CA and root token when there is one. */
  public static EdgeKvClientBuilder clientBuilder() {
    ClientCredentials credentials = clients;
    return credentials == null ? EdgeKvClient.builder() : EdgeKvClient.builder().credentials(credentials);
  }
}
