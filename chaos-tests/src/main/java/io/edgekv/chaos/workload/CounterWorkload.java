package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.CounterChecker;
import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.client.Consistency;
import io.edgekv.client.CounterResult;
import io.edgekv.client.GetResult;
import io.edgekv.client.ReadOptions;
import java.util.List;

/**
 * Cross-region CRDT counters (3 regions x 1 node): processes add small positive and negative
 * deltas ({@code -3..5}, never 0) to a few shared counters ({@link #KEYS}) through random regions,
 * and read them ({@code EVENTUAL}); after heal and recovery every counter is read on every node.
 * Increments go through a client of one region ({@link Clients#regional}), as the documentation asks
 * for at-most-once retries; with a client that fails over across regions the checker reports
 * {@code double-counted} (seen: seed 2, docs/chaos.md).
 * Invoke records {@code {"delta": d}}, an acknowledged increment {@code {"value": total}} (the
 * answering region's total), a read {@code {"value": total}} (null when the counter does not
 * exist yet). {@link CounterChecker} judges it.
 */
public final class CounterWorkload implements Workload {
  static final int KEYS = 3;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ReadOptions EVENTUAL = ReadOptions.of(Consistency.EVENTUAL);

  private final String prefix;

  public CounterWorkload(String prefix) {
    this.prefix = prefix + "counter/";
  }

  @Override
  public String name() {
    return "counter";
  }

  @Override
  public int concurrency() {
    return 5;
  }

  @Override
  public String keyPrefix() {
    return prefix;
  }

  private String key(int i) {
    return prefix + "c" + i;
  }

  @Override
  public void step(Proc proc) {
    String key = key(proc.random().nextInt(KEYS));
    String node = proc.randomNode();
    if (proc.random().nextInt(100) < 70) {
      long delta = proc.random().nextInt(9) - 3;
      if (delta == 0) {
        delta = 1;
      }
      ObjectNode value = JSON.objectNode().put("delta", delta);
      Proc.Invocation inv = proc.invoke("increment", key, value, node, null, false);
      try {
        // a client of the node's region only: a retry that failed over to another region would
        // count the increment twice (request ids deduplicate per region, docs/consistency.md)
        CounterResult r = proc.clients().regional(node).increment(key, delta);
        inv.ok(JSON.objectNode().put("value", r.value()).put("version", String.valueOf(r.version())),
            r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(value, e, true);
      }
    } else {
      read(proc, key, node, false);
    }
  }

  private static void read(Proc proc, String key, String node, boolean fin) {
    Proc.Invocation inv = proc.invoke("read", key, NullNode.getInstance(), node, "EVENTUAL", fin);
    try {
      GetResult r = fin ? proc.untilDeadline(() -> proc.clients().only(node).get(key, EVENTUAL))
          : proc.clients().via(node).get(key, EVENTUAL);
      ObjectNode value = JSON.objectNode();
      if (r.found()) {
        value.put("value", Long.parseLong(r.valueAsString()));
      } else {
        value.putNull("value");
      }
      inv.ok(value, fin ? node : r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }

  /** Every counter on every node (the run waited for the nodes' views to agree first). */
  @Override
  public void finalReads(Proc proc) {
    for (NodeRef n : proc.clients().nodes()) {
      for (int i = 0; i < KEYS; i++) {
        read(proc, key(i), n.id(), true);
      }
    }
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new CounterChecker());
  }
}
