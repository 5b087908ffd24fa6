package io.edgekv.chaos.nemesis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.cluster.FaultKind;
import io.edgekv.chaos.history.History;
import java.util.List;

/**
 * One fault of a schedule. A target of {@link #LEADER} or {@link #FOLLOWER} is resolved when the
 * fault starts (the node that then leads the region's group, or the first node that does not);
 * any other target names a node.
 */
public sealed interface Fault {
  String LEADER = "leader";
  String FOLLOWER = "follower";

  FaultKind kind();

  /** A short name for reports: isolate, bridge, kill, pause, skew, cut-region, region-relay, wan. */
  String name();

  /** Cuts one node off from every other node. */
  record Isolate(String node) implements Fault {
    public FaultKind kind() {
      return FaultKind.PARTITION;
    }

    public String name() {
      return "isolate";
    }
  }

  /** Cuts {@code a} from {@code c} only; {@code bridge} still reaches both (a partial partition). */
  record Bridge(String a, String bridge, String c) implements Fault {
    public FaultKind kind() {
      return FaultKind.PARTITION;
    }

    public String name() {
      return "bridge";
    }
  }

  record Kill(String node) implements Fault {
    public FaultKind kind() {
      return FaultKind.KILL;
    }

    public String name() {
      return "kill";
    }
  }

  record Pause(String node) implements Fault {
    public FaultKind kind() {
      return FaultKind.PAUSE;
    }

    public String name() {
      return "pause";
    }
  }

  /** Moves a node's wall clock by {@code offsetMillis} (negative: behind). */
  record Skew(String node, long offsetMillis) implements Fault {
    public FaultKind kind() {
      return FaultKind.CLOCK;
    }

    public String name() {
      return "skew";
    }
  }

  /** Cuts every node of {@code region} from every node of the other regions (both directions). */
  record CutRegion(String region) implements Fault {
    public FaultKind kind() {
      return FaultKind.REGION_PARTITION;
    }

    public String name() {
      return "cut-region";
    }
  }

  /**
   * Cuts region {@code a} from region {@code c} only; region {@code relay} still reaches both, so
   * cross-region replication must carry a's writes to c (and back) through it.
   */
  record RegionRelay(String a, String relay, String c) implements Fault {
    public FaultKind kind() {
      return FaultKind.REGION_PARTITION;
    }

    public String name() {
      return "region-relay";
    }
  }

  /**
   * WAN trouble between regions {@code a} and {@code b}: one-way delays (a to b, b to a) and a
   * loss rate in percent (each "lost" chunk stalls its connection for a retransmission timeout).
   */
  record Wan(String a, String b, long delayMillis, long reverseDelayMillis, int lossPercent) implements Fault {
    public FaultKind kind() {
      return FaultKind.WAN;
    }

    public String name() {
      return "wan";
    }
  }

  /** Kills several nodes at once (a majority, or every node with {@code all}); restarted at the end of the window. */
  record KillMajority(List<String> nodes, boolean all) implements Fault {
    public FaultKind kind() {
      return FaultKind.KILL;
    }

    public String name() {
      return "kill-majority";
    }
  }

  /**
   * Power loss: the nodes' containers killed at once with their data on the power-loss file
   * system, so what they had not fsynced is gone; restarted at the end of the window.
   */
  record PowerLoss(List<String> nodes, String scope) implements Fault {
    public FaultKind kind() {
      return FaultKind.POWER_LOSS;
    }

    public String name() {
      return "power-loss";
    }
  }

  /**
   * A majorities ring: the nodes in {@code order} on a ring, each still reaching its neighbours
   * within {@code reach} steps and cut from the others, so every node sees a majority and no two
   * see the same one (needs 5 nodes to differ from no partition).
   */
  record Ring(List<String> order, int reach) implements Fault {
    public FaultKind kind() {
      return FaultKind.PARTITION;
    }

    public String name() {
      return "ring";
    }
  }

  /** A clock strobe: the node's wall clock flips between +0 and {@code offsetMillis} every {@code periodMillis}. */
  record Strobe(String node, long offsetMillis, long periodMillis) implements Fault {
    public FaultKind kind() {
      return FaultKind.CLOCK;
    }

    public String name() {
      return "strobe";
    }
  }

  /**
   * A membership change by the admin API: the cluster's spare added or removed (when it has one),
   * then leadership moved to {@code target} (or away from the leader when {@link #LEADER}).
   */
  record Membership(String target, int transfers) implements Fault {
    public FaultKind kind() {
      return FaultKind.MEMBERSHIP;
    }

    public String name() {
      return "membership";
    }
  }

  /** {@code writers} threads writing 4 KiB values as fast as the node takes them, through {@code node} only. */
  record Overload(String node, int writers) implements Fault {
    public FaultKind kind() {
      return FaultKind.LOAD;
    }

    public String name() {
      return "overload";
    }
  }

  /** {@code watches} watch streams on {@code node} whose listeners take 1 s per event, while writes go on. */
  record SlowConsumer(String node, int watches) implements Fault {
    public FaultKind kind() {
      return FaultKind.LOAD;
    }

    public String name() {
      return "slow-consumer";
    }
  }

  /** This fault as JSON, for the history and the report. */
  default ObjectNode toJson() {
    ObjectNode o = History.JSON.createObjectNode();
    o.put("fault", name());
    switch (this) {
      case Isolate i -> o.put("node", i.node());
      case Bridge b -> o.put("a", b.a()).put("bridge", b.bridge()).put("c", b.c());
      case Kill k -> o.put("node", k.node());
      case Pause p -> o.put("node", p.node());
      case Skew s -> o.put("node", s.node()).put("offsetMs", s.offsetMillis());
      case CutRegion r -> o.put("region", r.region());
      case RegionRelay r -> o.put("a", r.a()).put("relay", r.relay()).put("c", r.c());
      case KillMajority k -> o.put("nodes", k.nodes().toString()).put("all", k.all());
      case PowerLoss p -> o.put("nodes", p.nodes().toString()).put("scope", p.scope());
      case Ring r -> o.put("order", r.order().toString()).put("reach", r.reach());
      case Strobe s -> o.put("node", s.node()).put("offsetMs", s.offsetMillis()).put("periodMs", s.periodMillis());
      case Membership m -> o.put("target", m.target()).put("transfers", m.transfers());
      case Overload l -> o.put("node", l.node()).put("writers", l.writers());
      case SlowConsumer c -> o.put("node", c.node()).put("watches", c.watches());
      case Wan w -> o.put("a", w.a()).put("b", w.b()).put("delayMs", w.delayMillis())
          .put("reverseDelayMs", w.reverseDelayMillis()).put("lossPercent", w.lossPercent());
    }
    return o;
  }
}
