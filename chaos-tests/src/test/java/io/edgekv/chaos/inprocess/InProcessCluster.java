package io.edgekv.chaos.inprocess;

import io.edgekv.chaos.cluster.Cluster;
import io.edgekv.chaos.cluster.FaultKind;
import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.node.testing.MiniKvCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The in-process runner of the same scenarios: {@link MiniKvCluster} behind the harness's
 * {@link Cluster}. It can stop and restart nodes and skew their HLC clocks; partitions and
 * pauses need the containers.
 */
public final class InProcessCluster implements Cluster {
  private final MiniKvCluster mini;
  private final List<NodeRef> nodes = new ArrayList<>();

  public InProcessCluster() {
    try {
      mini = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < mini.size(); i++) {
      nodes.add(new NodeRef(mini.config(i).nodeId(), mini.config(i).region().name(), mini.publicAddress(i)));
    }
  }

  private int index(String node) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).id().equals(node)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no node " + node);
  }

  @Override
  public List<NodeRef> nodes() {
    return nodes;
  }

  @Override
  public Set<FaultKind> supports() {
    return EnumSet.of(FaultKind.KILL, FaultKind.CLOCK);
  }

  @Override
  public void kill(String node) {
    mini.kill(index(node));
  }

  @Override
  public void restart(String node) {
    int i = index(node);
    if (!mini.isRunning(i)) {
      try {
        mini.startNode(i);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public void pause(String node) {
    throw new UnsupportedOperationException("pause needs containers");
  }

  @Override
  public void resume(String node) {}

  @Override
  public void cut(String a, String b) {
    throw new UnsupportedOperationException("partitions need containers");
  }

  @Override
  public void setClockOffset(String node, Duration offset) {
    mini.clock(index(node)).skew(offset);
  }

  @Override
  public void heal() {
    for (NodeRef n : nodes) {
      restart(n.id());
      setClockOffset(n.id(), Duration.ZERO);
    }
  }

  @Override
  public void close() {
    mini.close();
  }
}
