package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.edgekv.client.Consistency;
import io.edgekv.client.GetResult;
import io.edgekv.client.KvEntry;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.ScanOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads shared by the workloads whose values are numbers under one prefix (ttl, purge): a
 * STRONG read of one key and the final STRONG scan of every key still there.
 */
final class NumberedKeys {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ReadOptions STRONG = ReadOptions.of(Consistency.STRONG);

  private NumberedKeys() {}

  /** A STRONG read of {@code key} on {@code node} (value: the number, or null when absent). */
  static void read(Proc proc, String key, String node) {
    Proc.Invocation inv = proc.invoke("read", key, NullNode.getInstance(), node, "STRONG", false);
    try {
      GetResult r = proc.clients().via(node).get(key, STRONG);
      inv.ok(r.found() ? JSON.numberNode(Long.parseLong(r.valueAsString())) : NullNode.getInstance(),
          r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }

  /** One STRONG scan of every key under {@code prefix} (value: the numbers present). */
  static void finalScan(Proc proc, String prefix) {
    String node = proc.anyNode();
    Proc.Invocation inv = proc.invoke("scan", prefix, NullNode.getInstance(), node, "STRONG", true);
    ScanOptions scan = ScanOptions.builder().limit(ScanOptions.MAX_LIMIT).read(STRONG).build();
    try {
      List<Long> present = proc.untilDeadline(() -> proc.clients().failover(node)
          .scanAll(prefix.getBytes(StandardCharsets.UTF_8), scan).map(KvEntry::valueAsString).map(Long::parseLong)
          .toList());
      ArrayNode out = JSON.arrayNode();
      present.forEach(out::add);
      inv.ok(out, node);
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }
}
