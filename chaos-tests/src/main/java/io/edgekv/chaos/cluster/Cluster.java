package io.edgekv.chaos.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A running EdgeKV cluster the harness can hurt: the same nemeses drive containers (the chaos
 * profile) and, for the faults it can fake, the in-process {@code MiniKvCluster} (tests).
 * Every fault is undone by {@link #heal()}. Implementations are thread-safe.
 */
public interface Cluster extends AutoCloseable {
  /** A node that can be added: its public endpoint, and the address its Raft server listens on. */
  record Spare(NodeRef node, String host, int raftPort) {}

  List<NodeRef> nodes();

  /**
   * A node started to join the region that is no member until {@code admin add-node} adds it
   * (the membership nemesis grows and shrinks the region with it); not among {@link #nodes()}.
   */
  default Optional<Spare> spare() {
    return Optional.empty();
  }

  /** The faults this cluster can inject; the schedule uses no other. */
  Set<FaultKind> supports();

  /** Kills the node's process at once (no graceful stop). */
  void kill(String node);

  /** Starts a killed node again with its data. */
  void restart(String node);

  void pause(String node);

  void resume(String node);

  /** Cuts the network between two nodes, both directions. */
  void cut(String a, String b);

  /**
   * Sets what the WAN does to traffic from region {@code from} to region {@code to}: a one-way
   * delay, and a probability that a chunk of a connection's bytes is "lost" (held for a
   * retransmission timeout). Undone by {@link #heal()}. Only clusters of several regions.
   */
  default void wan(String from, String to, Duration oneWayDelay, double loss) {
    throw new UnsupportedOperationException("this cluster has no WAN");
  }

  /** Moves the node's wall clock {@code offset} away from the host's (zero resets it). */
  void setClockOffset(String node, Duration offset);

  /** Undoes every fault: restarts killed nodes, resumes paused ones, reconnects, resets clocks. */
  void heal();

  /** Copies what the nodes logged into {@code dir} (best effort). */
  default void saveLogs(Path dir) {}

  @Override
  void close();

  default NodeRef node(String id) {
    return nodes().stream().filter(n -> n.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + id));
  }
}
