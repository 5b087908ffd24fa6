package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.TtlChecker;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Expiry under clock skew: each write puts a fresh key {@code ttl/<n>} with a TTL of 1-3 s;
 * STRONG reads of recently written keys; at the end one STRONG scan of every key still there.
 * {@link TtlChecker} judges every read against the write's acknowledged time, its TTL, and a
 * tolerance of the configured maximum clock offset plus the largest skew the nemesis injected.
 */
public final class TtlWorkload implements Workload {
  /** The nodes' {@code replication.maxClockOffset} (the default; the chaos configs do not change it). */
  public static final long MAX_CLOCK_OFFSET_MS = 500;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String prefix;
  private final AtomicLong next = new AtomicLong();
  private final List<String> recent = new CopyOnWriteArrayList<>();

  public TtlWorkload(String prefix) {
    this.prefix = prefix + "ttl/";
  }

  @Override
  public String name() {
    return "ttl";
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
    if (recent.isEmpty() || proc.random().nextInt(5) < 2) {
      long n = next.getAndIncrement();
      String key = prefix + n;
      long ttl = 1_000 + proc.random().nextInt(3) * 1_000L;
      ObjectNode v = JSON.objectNode().put("value", n).put("ttlMs", ttl);
      Proc.Invocation inv = proc.invoke("write", key, v, node, null, false);
      try {
        PutResult r = proc.clients().via(node).put(key, Long.toString(n),
            PutOptions.builder().ttl(Duration.ofMillis(ttl)).build());
        inv.ok(v, r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(v, e, true);
      }
      recent.add(key);
      if (recent.size() > 30) {
        recent.removeFirst();
      }
      return;
    }
    String key = recent.get(proc.random().nextInt(recent.size()));
    NumberedKeys.read(proc, key, node);
  }

  /** One STRONG scan of every key still there (value: the list of values present). */
  @Override
  public void finalReads(Proc proc) {
    NumberedKeys.finalScan(proc, prefix);
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new TtlChecker(MAX_CLOCK_OFFSET_MS));
  }
}
