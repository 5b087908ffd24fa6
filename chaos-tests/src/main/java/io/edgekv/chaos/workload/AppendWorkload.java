package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.edgekv.chaos.checker.AppendChecker;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.Txn;
import io.edgekv.client.TxnResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * List-append transactions (Elle's workload) on a few keys of one shard. A transaction is 1-4
 * micro-operations on distinct keys, each {@code ["r", key, null]} or {@code ["append", key, v]}
 * with {@code v} unique in the run; a key's value is its list, comma-separated.
 *
 * <p>A read-only transaction is one {@code STRONG} BatchGet of its keys (one read index, one
 * RocksDB snapshot). A read-write transaction is that read of every key it touches followed by a
 * {@code Txn} whose checks pin the version read of each of them (absent: {@code ifAbsent}) and
 * whose puts append: it commits only if nothing it read changed, so it is serializable at the
 * commit's point. A failed check is a definite {@code fail}. The completion records what the
 * reads returned ({@code ["r", key, [list]]}). Judged by {@link AppendChecker}.
 */
public final class AppendWorkload implements Workload {
  static final int KEYS = 6;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ReadOptions STRONG = ReadOptions.of(Consistency.STRONG);

  private final String prefix;
  private final AtomicLong nextValue = new AtomicLong(1);

  public AppendWorkload(String prefix) {
    this.prefix = prefix + "append/";
  }

  @Override
  public String name() {
    return "append";
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
    return prefix + i;
  }

  @Override
  public void step(Proc proc) {
    int n = 1 + proc.random().nextInt(4);
    Set<Integer> chosen = new LinkedHashSet<>();
    while (chosen.size() < n) {
      chosen.add(proc.random().nextInt(KEYS));
    }
    boolean readOnly = proc.random().nextInt(3) == 0;
    ArrayNode txn = JSON.arrayNode();
    for (int k : chosen) {
      boolean append = !readOnly && proc.random().nextBoolean();
      txn.addArray().add(append ? "append" : "r").add(key(k)).add(append ? JSON.numberNode(nextValue.getAndIncrement())
          : JSON.nullNode());
    }
    run(proc, txn, proc.randomNode(), false);
  }

  private void run(Proc proc, ArrayNode txn, String node, boolean fin) {
    Proc.Invocation inv = proc.invoke("txn", prefix, txn, node, "STRONG", fin);
    List<byte[]> keys = new ArrayList<>();
    boolean writes = false;
    for (JsonNode mop : txn) {
      keys.add(mop.get(1).asText().getBytes(StandardCharsets.UTF_8));
      writes |= "append".equals(mop.get(0).asText());
    }
    EdgeKvClient client = fin ? proc.clients().failover(node) : proc.clients().via(node);
    List<GetResult> read;
    try {
      read = fin ? proc.untilDeadline(() -> client.batchGet(keys, STRONG)) : client.batchGet(keys, STRONG);
    } catch (RuntimeException e) {
      inv.failed(txn, e, false); // nothing written yet: a failed read is a failed transaction
      return;
    }
    ArrayNode done = JSON.arrayNode();
    String servedBy = read.isEmpty() ? node : read.getFirst().servedBy().node();
    Txn commit = writes ? client.txn() : null;
    for (int i = 0; i < txn.size(); i++) {
      JsonNode mop = txn.get(i);
      String key = mop.get(1).asText();
      GetResult r = read.get(i);
      String list = r.found() ? r.valueAsString() : "";
      if ("r".equals(mop.get(0).asText())) {
        ArrayNode values = done.addArray().add("r").add(key).addArray();
        if (!list.isEmpty()) {
          for (String v : list.split(",")) {
            values.add(Long.parseLong(v));
          }
        }
      } else {
        done.add(mop);
      }
      if (commit != null) {
        if (r.found()) {
          commit.ifVersion(key, r.version());
        } else {
          commit.ifAbsent(key);
        }
        if ("append".equals(mop.get(0).asText())) {
          commit.put(key, list.isEmpty() ? mop.get(2).asText() : list + "," + mop.get(2).asText());
        }
      }
    }
    if (commit == null) {
      inv.ok(done, servedBy);
      return;
    }
    try {
      TxnResult result = commit.commit();
      inv.ok(done, result.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(done, e, true);
    }
  }

  /** One read-only transaction of every key. */
  @Override
  public void finalReads(Proc proc) {
    ArrayNode txn = JSON.arrayNode();
    for (int k = 0; k < KEYS; k++) {
      txn.addArray().add("r").add(key(k)).add(JSON.nullNode());
    }
    run(proc, txn, proc.anyNode(), true);
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new AppendChecker());
  }
}
