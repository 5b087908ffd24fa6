package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.checker.CacheStalenessChecker;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.client.GetResult;
import io.edgekv.client.NearCache;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Near-cache staleness (1 region x 3 nodes): workers 0..{@value #KEYS}-1 each own one key and
 * write increasing integers to it (a put through a random node); the other workers are readers,
 * each with its own {@link NearCache} (over a client that prefers one node and fails over, its
 * Watch on the same node, {@code maxStaleness} {@link #MAX_STALENESS}) and read random keys
 * through it, recorded as {@code read} with consistency {@code NEAR}. {@link CacheStalenessChecker}
 * judges every read against {@link #BOUND}, during faults as after heal.
 */
public final class CacheStalenessWorkload implements Workload {
  static final int KEYS = 3;
  static final int READERS = 2;
  /** The near cache's own bound without a recent confirmation from its watch. */
  static final Duration MAX_STALENESS = Duration.ofSeconds(1);
  /** maxStaleness plus slack for a follower's apply lag and event delivery. */
  static final Duration BOUND = MAX_STALENESS.plusMillis(1_000);
  /** After the final heal: time for watches to reconnect (client back-off) before reads are judged strictly. */
  static final Duration SETTLE = Duration.ofSeconds(4);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String prefix;
  private final AtomicLongArray next = new AtomicLongArray(KEYS);
  private final Map<Integer, NearCache> caches = new ConcurrentHashMap<>();

  public CacheStalenessWorkload(String prefix) {
    this.prefix = prefix + "cache/";
  }

  @Override
  public String name() {
    return "cache-staleness";
  }

  @Override
  public int concurrency() {
    return KEYS + READERS;
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
    if (proc.worker() < KEYS) {
      write(proc, proc.worker());
    } else {
      read(proc);
    }
  }

  private void write(Proc proc, int k) {
    String key = key(k);
    String node = proc.randomNode();
    long v = next.incrementAndGet(k);
    ObjectNode value = JSON.objectNode().put("value", v);
    Proc.Invocation inv = proc.invoke("write", key, value, node, null, false);
    try {
      var r = proc.clients().via(node).put(key, Long.toString(v));
      inv.ok(value, r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(value, e, true);
    }
  }

  private NearCache cache(Proc proc) {
    return caches.computeIfAbsent(proc.worker(), w -> {
      // each reader's cache prefers its own node (the watch and the loads go there first)
      String node = proc.clients().nodes().get(w % proc.clients().nodes().size()).id();
      return NearCache.builder(proc.clients().failover(node)).maxStaleness(MAX_STALENESS).prefix(prefix).build();
    });
  }

  private void read(Proc proc) {
    String key = key(proc.random().nextInt(KEYS));
    NearCache cache = cache(proc);
    Proc.Invocation inv = proc.invoke("read", key, NullNode.getInstance(), null, CacheStalenessChecker.NEAR, false);
    try {
      GetResult r = cache.get(key);
      ObjectNode value = JSON.objectNode();
      if (r.found()) {
        value.put("value", Long.parseLong(r.valueAsString()));
      } else {
        value.putNull("value");
      }
      value.put("live", cache.isLive());
      inv.ok(value, r.servedBy() == null ? null : r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }

  /** None: the judged reads are the near-cache reads after heal; convergence reads every node. */
  @Override
  public void finalReads(Proc proc) {}

  @Override
  public List<Checker> checkers() {
    // Strict during faults too: the near cache bounds staleness with its watch's progress events
    // also while the watch stays connected to a node cut off from its leader.
    return List.of(new CacheStalenessChecker(BOUND, BOUND, SETTLE, true));
  }

  @Override
  public void close() {
    caches.values().forEach(NearCache::close);
  }
}
