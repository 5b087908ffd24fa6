package io.edgekv.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Network;

/**
 * What keeps the clusters of chaos runs that share one Docker host apart: runs of two suites at
 * once (two Maven builds, two worktrees), or a suite beside a replay. Each cluster gets its own
 * container and network names, its own subnets (the first free ones in 172.29.0.0/16), and
 * labels naming its run and the JVM that owns it. Leftovers are removed only when their owner no
 * longer runs, never those of a run still going.
 *
 * <p>Without this, every run used the same container names and addresses, and each suite began
 * by removing every labelled container: a second suite started beside a first one removed the
 * first one's nodes and started its own at the same addresses, so the first one's clients and
 * final reads went on against the second one's cluster. Its checkers then judged two histories
 * as one (the short suite's register run of 2026-12-03, "29 of 102 keys not linearizable": final
 * reads returned values only the other run had written).
 */
public final class RunScope {
  private static final Logger LOG = LoggerFactory.getLogger(RunScope.class);
  /** Label on every container and network of a chaos cluster; its value is the cluster's tag. */
  public static final String LABEL = "io.edgekv.chaos";
  /** Label naming the JVM that owns a container or network: {@code pid@startMillis}. */
  public static final String OWNER_LABEL = "io.edgekv.chaos.owner";
  /** Subnets {@code 172.29.X.0/24} with X in this range are handed out. */
  static final int FIRST_SUBNET = 40;
  static final int LAST_SUBNET = 239;
  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  /** Attempts at claiming free subnets when another run claims the same ones at the same time. */
  private static final int SUBNET_ATTEMPTS = 8;

  private final String tag;
  private final String owner;

  RunScope(String tag, String owner) {
    this.tag = tag;
    this.owner = owner;
  }

  /**
   * A new scope owned by this JVM: a tag no other cluster of any run on the host has (the pid,
   * this JVM's count of clusters and a few random characters, in case a pid is reused).
   */
  public static RunScope next() {
    String random = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    return new RunScope("c" + ProcessHandle.current().pid() + "x" + CLUSTERS.incrementAndGet() + random,
        currentOwner());
  }

  public String tag() {
    return tag;
  }

  /** The Docker name of a node's container (its host name stays the node id). */
  String containerName(String nodeId) {
    return "edgekv-chaos-" + tag + "-" + nodeId;
  }

  String networkName(String name) {
    return "edgekv-chaos-" + tag + "-" + name;
  }

  /** The labels of this scope's containers and networks. */
  Map<String, String> labels() {
    return Map.of(LABEL, tag, OWNER_LABEL, owner);
  }

  /** This JVM as an owner: its pid and start time (a pid alone may be reused). */
  static String currentOwner() {
    return owner(ProcessHandle.current());
  }

  private static String owner(ProcessHandle process) {
    return process.pid() + "@" + process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  /** Whether the owner a label names still runs on this host (an unreadable label counts as running). */
  static boolean ownerRuns(String owner) {
    int at = owner.indexOf('@');
    long pid;
    try {
      pid = Long.parseLong(at < 0 ? owner : owner.substring(0, at));
    } catch (NumberFormatException e) {
      return true;
    }
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> at < 0 || owner(p).equals(owner))
        .orElse(false);
  }

  /**
   * Whether a leftover with these labels may be removed: its owner no longer runs (a cluster of
   * this JVM is removed by its own {@code close}). One without an owner (labelled before clusters
   * were scoped) is left alone: a run of that older harness may still be using it, and its
   * addresses are not handed out while its network exists.
   */
  static boolean removable(Map<String, String> labels) {
    String own = labels == null ? null : labels.get(OWNER_LABEL);
    return own != null && !ownerRuns(own);
  }

  /**
   * The first {@code count} consecutive subnets {@code 172.29.X.0/24} (returns X of the first)
   * that overlap none of {@code used} (CIDR strings of existing networks) and none in
   * {@code skip} (bases tried already).
   */
  static int freeSubnets(List<String> used, int count, Set<Integer> skip) {
    for (int base = FIRST_SUBNET; base + count - 1 <= LAST_SUBNET; base++) {
      boolean free = !skip.contains(base);
      for (int x = base; free && x < base + count; x++) {
        int candidate = (172 << 24) | (29 << 16) | (x << 8);
        for (String cidr : used) {
          if (overlaps(candidate, 24, cidr)) {
            free = false;
            break;
          }
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " free /24 subnets in 172.29." + FIRST_SUBNET + "-"
        + LAST_SUBNET + ".0 (used: " + used + ")");
  }

  private static boolean overlaps(int address, int prefix, String cidr) {
    Optional<int[]> parsed = parse(cidr);
    if (parsed.isEmpty()) {
      return false;
    }
    int shorter = Math.min(prefix, parsed.get()[1]);
    int mask = shorter == 0 ? 0 : -1 << (32 - shorter);
    return (address & mask) == (parsed.get()[0] & mask);
  }

  /** An IPv4 CIDR as {address, prefix}; empty for anything else (IPv6). */
  private static Optional<int[]> parse(String cidr) {
    String[] parts = cidr.split("/");
    String[] octets = parts[0].split("\\.");
    if (parts.length != 2 || octets.length != 4) {
      return Optional.empty();
    }
    try {
      int address = 0;
      for (String o : octets) {
        address = (address << 8) | Integer.parseInt(o);
      }
      return Optional.of(new int[] {address, Integer.parseInt(parts[1])});
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** A cluster's networks, on subnets {@code 172.29.X.0/24} from X = {@code firstSubnet} on, in order. */
  record Networks(List<Network> networks, int firstSubnet) {}

  /**
   * Creates networks named {@code names} (in this scope) on the first free consecutive subnets.
   * Another run may claim the same subnets at the same moment (Docker refuses the second); then
   * the next free ones are tried.
   */
  Networks createNetworks(DockerClient docker, List<String> names) {
    Set<Integer> tried = new HashSet<>();
    RuntimeException last = null;
    for (int attempt = 0; attempt < SUBNET_ATTEMPTS; attempt++) {
      int base = freeSubnets(usedSubnets(docker), names.size(), tried);
      tried.add(base);
      List<Network> created = new ArrayList<>();
      try {
        for (int r = 0; r < names.size(); r++) {
          Network n = network(names.get(r), base + r);
          created.add(n);
          n.getId(); // creates it now, so that a clash shows here (and a relay can bind to its gateway)
        }
        return new Networks(List.copyOf(created), base);
      } catch (RuntimeException e) {
        last = e;
        LOG.info("subnets from 172.29.{}.0/24 were taken meanwhile ({}); trying the next free ones", base,
            e.getMessage());
        for (Network n : created) {
          try {
            n.close();
          } catch (RuntimeException closing) {
            LOG.warn("could not remove network: {}", closing.getMessage());
          }
        }
      }
    }
    throw new IllegalStateException("could not create the cluster's networks: " + last.getMessage(), last);
  }

  /** A labelled network with fixed addresses: a restarted node keeps its address, and iptables rules name peers by it. */
  private Network network(String name, int subnet) {
    return Network.builder()
        .createNetworkCmdModifier(cmd -> cmd.withName(networkName(name))
            .withLabels(labels())
            .withIpam(new com.github.dockerjava.api.model.Network.Ipam().withConfig(
                new com.github.dockerjava.api.model.Network.Ipam.Config()
                    .withSubnet("172.29." + subnet + ".0/24").withGateway("172.29." + subnet + ".1"))))
        .build();
  }

  /** The subnets of every Docker network on the host. */
  static List<String> usedSubnets(DockerClient docker) {
    List<String> out = new ArrayList<>();
    for (com.github.dockerjava.api.model.Network n : docker.listNetworksCmd().exec()) {
      if (n.getIpam() != null && n.getIpam().getConfig() != null) {
        n.getIpam().getConfig().stream().map(c -> c.getSubnet()).filter(s -> s != null).forEach(out::add);
      }
    }
    return out;
  }

  /**
   * Removes the containers and networks of chaos clusters that an earlier run left behind: those
   * of JVMs that no longer run. Clusters of runs still going stay, this JVM's included.
   */
  public static void removeLeftovers(DockerClient docker) {
    List<Container> old = docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(LABEL)).exec();
    for (Container c : old) {
      if (!removable(c.getLabels())) {
        continue;
      }
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
      } catch (RuntimeException e) {
        LOG.warn("could not remove container {}: {}", c.getId(), e.getMessage());
      }
    }
    docker.listNetworksCmd().withFilter("label", List.of(LABEL)).exec().forEach(n -> {
      if (removable(n.getLabels())) {
        try {
          docker.removeNetworkCmd(n.getId()).exec();
        } catch (RuntimeException e) {
          LOG.warn("could not remove network {}: {}", n.getName(), e.getMessage());
        }
      }
    });
  }
}
