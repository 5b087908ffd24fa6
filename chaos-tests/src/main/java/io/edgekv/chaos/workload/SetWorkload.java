package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.SetChecker;
import io.edgekv.client.Consistency;
import io.edgekv.client.KvEntry;
import io.edgekv.client.PutResult;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.ScanOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A grow-only set per key: {@code add e} writes a unique key {@code <set>/<e>} holding {@code e};
 * the final read is a {@code STRONG} scan of the set's prefix. Each set takes
 * {@link #ADDS_PER_SET} adds, then a fresh one. The checker demands every acknowledged add in
 * the final read (no lost acknowledged write). Across regions ({@code set-xr}, 3 regions x 1
 * node), adds go to random regions and each set is read on every node at the end (each node
 * answers for its region), after the run waited for the regions to converge.
 */
public final class SetWorkload implements Workload {
  static final int ADDS_PER_SET = 400;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String prefix;
  private final AtomicLong nextElement = new AtomicLong();
  private final List<String> sets = new CopyOnWriteArrayList<>();

  private final boolean everyNode;

  /**
   * @param everyNode cross-region: the final reads scan every set on every node (each node's
   *     region answers for itself), so every region must hold every acknowledged add
   */
  public SetWorkload(String prefix, boolean everyNode) {
    this.prefix = prefix + "set/";
    this.everyNode = everyNode;
  }

  @Override
  public String name() {
    return everyNode ? "set-xr" : "set";
  }

  @Override
  public int concurrency() {
    return 4;
  }

  @Override
  public String keyPrefix() {
    return prefix;
  }

  @Override
  public void step(Proc proc) {
    if (!everyNode && proc.random().nextInt(10) == 0 && !sets.isEmpty()) {
      // set-full: a STRONG read of the newest set now and then (the checker judges every read)
      ScanOptions scan = ScanOptions.builder().limit(ScanOptions.MAX_LIMIT).read(ReadOptions.of(Consistency.STRONG)).build();
      read(proc, sets.getLast(), proc.randomNode(), scan, false);
      return;
    }
    long e = nextElement.getAndIncrement();
    String set = prefix + (e / ADDS_PER_SET);
    synchronized (sets) {
      if (!sets.contains(set)) {
        sets.add(set);
      }
    }
    String node = proc.randomNode();
    Proc.Invocation inv = proc.invoke("add", set, JSON.numberNode(e), node, null, false);
    try {
      PutResult r = proc.clients().via(node).put(set + "/" + e, Long.toString(e));
      inv.ok(JSON.numberNode(e), r.servedBy().node());
    } catch (RuntimeException ex) {
      inv.failed(JSON.numberNode(e), ex, true);
    }
  }

  @Override
  public void finalReads(Proc proc) {
    ScanOptions scan = ScanOptions.builder().limit(ScanOptions.MAX_LIMIT).read(ReadOptions.of(Consistency.STRONG)).build();
    for (String set : sets) {
      List<String> nodes = everyNode ? proc.clients().nodes().stream().map(n -> n.id()).toList() : List.of(proc.anyNode());
      for (String node : nodes) {
        finalRead(proc, set, node, scan);
      }
    }
  }

  private void finalRead(Proc proc, String set, String node, ScanOptions scan) {
    read(proc, set, node, scan, true);
  }

  private void read(Proc proc, String set, String node, ScanOptions scan, boolean fin) {
    Proc.Invocation inv = proc.invoke("read", set, NullNode.getInstance(), node, "STRONG", fin);
    byte[] prefix = (set + "/").getBytes(StandardCharsets.UTF_8);
    try {
      ArrayNode elements = JSON.arrayNode();
      // final reads retry until their deadline (pinned to the node across regions, else failing over)
      List<Long> read = !fin ? proc.clients().via(node).scanAll(prefix, scan).map(KvEntry::valueAsString)
              .map(Long::parseLong).sorted().toList()
          : proc.untilDeadline(() -> (everyNode ? proc.clients().only(node) : proc.clients().failover(node))
              .scanAll(prefix, scan).map(KvEntry::valueAsString).map(Long::parseLong).sorted().toList());
      read.forEach(elements::add);
      inv.ok(elements, node);
    } catch (RuntimeException ex) {
      inv.failed(NullNode.getInstance(), ex, false);
    }
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new SetChecker());
  }
}
