package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.PurgeChecker;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.PurgeResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Purge by tag and by prefix under faults, on 4 shards (a prefix or tag purge goes to every shard).
 * Writes put fresh keys {@code purge/g<G>/<n>} tagged {@code tg<G>} (4 groups); now and then a
 * process purges one group, by its tag or its prefix, alternately; STRONG reads of recent keys.
 * At the end one STRONG scan of every key still there. Judged by {@link PurgeChecker}: no key
 * written before an acknowledged purge of its group began is readable after the purge was
 * acknowledged; every acknowledged write that no purge could have covered is still there.
 */
public final class PurgeWorkload implements Workload {
  static final int GROUPS = 4;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String prefix;
  private final AtomicLong next = new AtomicLong();
  private final List<String> recent = new CopyOnWriteArrayList<>();
  private final Map<String, InvalidationClient> purgers = new ConcurrentHashMap<>();

  public PurgeWorkload(String prefix) {
    this.prefix = prefix + "purge/";
  }

  @Override
  public String name() {
    return "purge";
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
    String node = proc.randomNode();
    int dice = proc.random().nextInt(20);
    int group = proc.random().nextInt(GROUPS);
    if (dice < 2) {
      boolean byTag = proc.random().nextBoolean();
      ObjectNode v = JSON.objectNode().put("group", group).put("by", byTag ? "tag" : "prefix");
      Proc.Invocation inv = proc.invoke("purge", prefix + "g" + group + "/", v, node, null, false);
      try {
        InvalidationClient purger = purgers.computeIfAbsent(node, n -> InvalidationClient.of(proc.clients().via(n)));
        PurgeResult r = byTag ? purger.purgeTag("tg" + group, false) : purger.purgePrefix(prefix + "g" + group + "/", false);
        inv.ok(v.put("version", r.version().toString()), r.servedBy() == null ? node : r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(v, e, true);
      }
    } else if (dice < 14 || recent.isEmpty()) {
      long n = next.getAndIncrement();
      String key = prefix + "g" + group + "/" + n;
      ObjectNode v = JSON.objectNode().put("value", n).put("group", group);
      Proc.Invocation inv = proc.invoke("write", key, v, node, null, false);
      try {
        PutResult r = proc.clients().via(node).put(key, Long.toString(n), PutOptions.builder().tag("tg" + group).build());
        inv.ok(v, r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(v, e, true);
      }
      recent.add(key);
      if (recent.size() > 40) {
        recent.removeFirst();
      }
    } else {
      String key = recent.get(proc.random().nextInt(recent.size()));
      NumberedKeys.read(proc, key, node);
    }
  }

  /** One STRONG scan of every key still there (value: the values present). */
  @Override
  public void finalReads(Proc proc) {
    NumberedKeys.finalScan(proc, prefix);
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new PurgeChecker());
  }

  @Override
  public void close() {
    purgers.values().forEach(InvalidationClient::close);
  }
}
