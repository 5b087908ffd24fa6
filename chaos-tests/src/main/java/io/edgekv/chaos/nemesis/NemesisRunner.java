package io.edgekv.chaos.nemesis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.cluster.Cluster;
import io.edgekv.chaos.cluster.FaultKind;
import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import io.edgekv.chaos.history.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a {@link Schedule} against a cluster, recording every start and stop in the history
 * (process {@code nemesis}, type {@code info}, f {@code start}/{@code stop}/{@code heal}, the
 * faults in {@code value}). A window ends by healing everything, and so does the run.
 */
public final class NemesisRunner {
  private static final Logger LOG = LoggerFactory.getLogger(NemesisRunner.class);

  private final Cluster cluster;
  private final Recorder recorder;
  private final Supplier<Optional<String>> leader;
  private final Disturbances disturbances;
  private final Runnable awaitServing;

  /**
   * @param leader finds the node that leads the region's group now, if any
   */
  public NemesisRunner(Cluster cluster, Recorder recorder, Supplier<Optional<String>> leader) {
    this(cluster, recorder, leader, () -> { });
  }

  /**
   * @param awaitServing waits (bounded) until every node serves again; called after a window that
   *     killed nodes, so the next window starts on a cluster that recovered (restarts take long on
   *     a loaded machine) and the run is not one long outage
   */
  public NemesisRunner(Cluster cluster, Recorder recorder, Supplier<Optional<String>> leader, Runnable awaitServing) {
    this.cluster = cluster;
    this.recorder = recorder;
    this.leader = leader;
    this.disturbances = new Disturbances(cluster, leader);
    this.awaitServing = awaitServing;
  }

  /** Runs the schedule from now (the run's time zero is {@code startNanos}); returns after the last window. */
  public void run(Schedule schedule, long startNanos) throws InterruptedException {
    // windows shift later when the nodes took longer to serve again than the planned gap (the
    // history records when each really started); a calm of at least 2 s precedes each window
    long shift = 0;
    long earliest = 0;
    for (Schedule.Window w : schedule.windows()) {
      long planned = startNanos + TimeUnit.MILLISECONDS.toNanos(w.startMillis());
      if (earliest > planned + shift) {
        shift = earliest - planned;
      }
      sleepUntil(planned + shift);
      ArrayNode applied = History.JSON.createArrayNode();
      for (Fault f : w.faults()) {
        try {
          applied.add(apply(f));
        } catch (RuntimeException e) {
          LOG.warn("nemesis could not apply {}: {}", f, e.toString());
          applied.add(f.toJson().put("error", e.toString()));
        }
      }
      recorder.record(Op.NEMESIS, Op.Type.INFO, "start", null, applied, null, null, false, null, null);
      sleepUntil(planned + shift + TimeUnit.MILLISECONDS.toNanos(w.durationMillis()));
      heal("stop", applied);
      if (w.faults().stream().anyMatch(f -> f.kind() == FaultKind.KILL || f.kind() == FaultKind.POWER_LOSS)) {
        try {
          awaitServing.run();
        } catch (RuntimeException e) {
          LOG.warn("nodes not serving again after the window: {}", e.toString());
        }
      }
      earliest = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    }
  }

  /** Undoes every fault and records it. */
  public void heal(String f, ArrayNode what) {
    String error = null;
    try {
      disturbances.stop();
      cluster.heal();
    } catch (RuntimeException e) {
      LOG.warn("heal failed: {}", e.toString());
      error = e.toString();
    }
    recorder.record(Op.NEMESIS, Op.Type.INFO, f, null, what, null, null, false, null, error);
  }

  private ObjectNode apply(Fault f) {
    ObjectNode o = f.toJson();
    switch (f) {
      case Fault.Isolate i -> {
        String node = resolve(i.node());
        o.put("resolved", node);
        for (NodeRef other : cluster.nodes()) {
          if (!other.id().equals(node)) {
            cluster.cut(node, other.id());
          }
        }
      }
      case Fault.Bridge b -> cluster.cut(b.a(), b.c());
      case Fault.Kill k -> {
        String node = resolve(k.node());
        o.put("resolved", node);
        cluster.kill(node);
      }
      case Fault.Pause p -> {
        String node = resolve(p.node());
        o.put("resolved", node);
        cluster.pause(node);
      }
      case Fault.Skew s -> cluster.setClockOffset(s.node(), Duration.ofMillis(s.offsetMillis()));
      case Fault.CutRegion r -> {
        List<NodeRef> inside = inRegion(r.region());
        o.put("nodes", inside.stream().map(NodeRef::id).toList().toString());
        for (NodeRef n : inside) {
          for (NodeRef other : cluster.nodes()) {
            if (!other.region().equals(r.region())) {
              cluster.cut(n.id(), other.id());
            }
          }
        }
      }
      case Fault.Wan w -> {
        cluster.wan(w.a(), w.b(), Duration.ofMillis(w.delayMillis()), w.lossPercent() / 100.0);
        cluster.wan(w.b(), w.a(), Duration.ofMillis(w.reverseDelayMillis()), w.lossPercent() / 100.0);
      }
      case Fault.KillMajority k -> k.nodes().forEach(cluster::kill);
      case Fault.PowerLoss p -> p.nodes().forEach(cluster::kill);
      case Fault.Ring r -> {
        List<String> ring = r.order();
        int n = ring.size();
        for (int i = 0; i < n; i++) {
          for (int j = i + 1; j < n; j++) {
            int distance = Math.min(j - i, n - (j - i));
            if (distance > r.reach()) {
              cluster.cut(ring.get(i), ring.get(j));
            }
          }
        }
      }
      case Fault.Strobe s -> disturbances.strobe(s, o);
      case Fault.Membership m -> disturbances.membership(m, o);
      case Fault.Overload l -> disturbances.overload(l, o);
      case Fault.SlowConsumer c -> disturbances.slowConsumer(c, o);
      case Fault.RegionRelay r -> {
        for (NodeRef a : inRegion(r.a())) {
          for (NodeRef c : inRegion(r.c())) {
            cluster.cut(a.id(), c.id());
          }
        }
      }
    }
    return o;
  }

  private List<NodeRef> inRegion(String region) {
    List<NodeRef> out = cluster.nodes().stream().filter(n -> region.equals(n.region())).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no node in region " + region);
    }
    return out;
  }

  private String resolve(String target) {
    if (Fault.FOLLOWER.equals(target)) {
      Optional<String> now = leader.get();
      return cluster.nodes().stream().map(NodeRef::id).filter(id -> !now.equals(Optional.of(id))).findFirst()
          .orElse(cluster.nodes().getFirst().id());
    }
    if (!Fault.LEADER.equals(target)) {
      return target;
    }
    // no leader known (an election in progress): any node will do
    return leader.get().orElse(cluster.nodes().getFirst().id());
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** The schedule's windows as JSON, for results.json. */
  public static ArrayNode describe(Schedule schedule) {
    ArrayNode out = History.JSON.createArrayNode();
    for (Schedule.Window w : schedule.windows()) {
      ObjectNode o = out.addObject();
      o.put("startMs", w.startMillis()).put("durationMs", w.durationMillis());
      ArrayNode faults = o.putArray("faults");
      w.faults().forEach(f -> faults.add(f.toJson()));
    }
    return out;
  }

  static List<String> ids(Cluster cluster) {
    return cluster.nodes().stream().map(NodeRef::id).toList();
  }
}
