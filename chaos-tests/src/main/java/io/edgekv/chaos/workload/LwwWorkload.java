package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.LwwChecker;
import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.client.Consistency;
import io.edgekv.client.DeleteResult;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutResult;
import io.edgekv.client.ReadOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cross-region last-writer-wins registers (3 regions x 1 node): every process writes unique
 * values to a few shared keys ({@link #KEYS}), each operation sent to a random node, i.e. a random
 * region, which replicates it asynchronously to the others; sometimes it deletes, sometimes it
 * reads ({@code EVENTUAL}). Concurrent writes in different regions conflict all the time, and the
 * region nemeses make regions diverge for seconds.
 *
 * <p>Every value is unique ({@code v<n>}), so a value read names the write it came from. A write's
 * completion records the version it was stamped with ({@code {"value", "version"}}), a delete's
 * the tombstone's ({@code {"version", "existed"}}); reads record {@code {"value", "version"}}
 * ({@code GetResult.version()}; both null for a miss). After heal and recovery, each key is read
 * on every node ({@code EVENTUAL}, pinned to that node: that node's region's replica) and
 * {@link LwwChecker} judges the history.
 */
public final class LwwWorkload implements Workload {
  static final int KEYS = 6;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ReadOptions EVENTUAL = ReadOptions.of(Consistency.EVENTUAL);

  private final String prefix;
  private final AtomicLong nextValue = new AtomicLong();

  public LwwWorkload(String prefix) {
    this.prefix = prefix + "lww/";
  }

  @Override
  public String name() {
    return "lww";
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
    return prefix + "k" + i;
  }

  @Override
  public void step(Proc proc) {
    String key = key(proc.random().nextInt(KEYS));
    String node = proc.randomNode();
    int dice = proc.random().nextInt(100);
    if (dice < 60) {
      String v = "v" + nextValue.getAndIncrement();
      ObjectNode value = JSON.objectNode().put("value", v);
      Proc.Invocation inv = proc.invoke("write", key, value, node, null, false);
      try {
        PutResult r = proc.clients().via(node).put(key, v);
        inv.ok(value.deepCopy().put("version", r.version().toString()), r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(value, e, true);
      }
    } else if (dice < 72) {
      Proc.Invocation inv = proc.invoke("delete", key, NullNode.getInstance(), node, null, false);
      try {
        DeleteResult r = proc.clients().via(node).delete(key);
        ObjectNode done = JSON.objectNode().put("existed", r.existed());
        done.put("version", r.version() == null ? null : r.version().toString());
        inv.ok(done, r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(NullNode.getInstance(), e, true);
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
      value.put("value", r.valueAsString());
      value.put("version", r.version() == null ? null : r.version().toString());
      inv.ok(value, fin ? node : r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }

  /** Every key on every node (the run waited for the nodes' views to agree first). */
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
    return List.of(new LwwChecker());
  }
}
