package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.LinearizabilityChecker;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.Consistency;
import io.edgekv.client.DeleteResult;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A linearizable register per key: {@code STRONG} reads, writes, compare-and-sets and deletes.
 * Every value written is unique in the run, so an old value reappearing (ABA) cannot hide a
 * stale read; a compare-and-set expects the value its process last read on the key (or the
 * last value written), so it still often succeeds. All processes work on the current key
 * until it has had {@link #OPS_PER_KEY} operations, then a fresh key (independent keys keep each
 * key's search small).
 *
 * <p>{@code cas [expected, new]} is a {@code STRONG} read and then a put conditional on the version
 * read. It is ok only if the read value equalled {@code expected} and the conditional put
 * succeeded; it fails (no effect) when the value differed or the condition failed; an unknown
 * outcome of the put makes it info.
 */
public final class RegisterWorkload implements Workload {
  static final int OPS_PER_KEY = 60;
  /**
   * Writes of unknown outcome (timeouts during faults) may take effect at any later point, which
   * makes the linearizability search of a key explode; after this many the workload moves on.
   */
  static final int UNKNOWN_WRITES_PER_KEY = 3;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ReadOptions STRONG = ReadOptions.of(Consistency.STRONG);

  private final String prefix;
  private final AtomicInteger keyNumber = new AtomicInteger();
  private final AtomicInteger opsOnKey = new AtomicInteger();
  private final AtomicInteger unknownOnKey = new AtomicInteger();
  /** The next value to write: unique in the run. */
  private final java.util.concurrent.atomic.AtomicLong nextValue = new java.util.concurrent.atomic.AtomicLong(1);
  /** The last value invoked for a write on each key (what a compare-and-set expects when its process read nothing). */
  private final java.util.Map<String, Long> lastWritten = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<String> keys = new CopyOnWriteArrayList<>();

  public RegisterWorkload(String prefix) {
    this.prefix = prefix + "register/";
    keys.add(key(0));
  }

  private String key(int n) {
    return prefix + n;
  }

  @Override
  public String name() {
    return "register";
  }

  @Override
  public int concurrency() {
    return 5;
  }

  @Override
  public String keyPrefix() {
    return prefix;
  }

  private String currentKey() {
    synchronized (this) {
      if (opsOnKey.incrementAndGet() > OPS_PER_KEY || unknownOnKey.get() >= UNKNOWN_WRITES_PER_KEY) {
        opsOnKey.set(1);
        unknownOnKey.set(0);
        keys.add(key(keyNumber.incrementAndGet()));
      }
      return key(keyNumber.get());
    }
  }

  @Override
  public void step(Proc proc) {
    String key = currentKey();
    String node = proc.randomNode();
    int dice = proc.random().nextInt(100);
    if (dice < 40) {
      read(proc, key, node, false);
    } else if (dice < 70) {
      long v = nextValue.getAndIncrement();
      lastWritten.put(key, v);
      Proc.Invocation inv = proc.invoke("write", key, JSON.numberNode(v), node, null, false);
      try {
        PutResult r = proc.clients().via(node).put(key, Long.toString(v));
        inv.ok(JSON.numberNode(v), r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(JSON.numberNode(v), e, true);
        noteUnknown(key);
      }
    } else if (dice < 95) {
      Long seen = proc.state() instanceof long[] last && last[0] == key.hashCode() ? Long.valueOf(last[1]) : null;
      long expected = seen != null ? seen : lastWritten.getOrDefault(key, 0L);
      long replacement = nextValue.getAndIncrement();
      lastWritten.put(key, replacement);
      cas(proc, key, node, expected, replacement);
    } else {
      Proc.Invocation inv = proc.invoke("delete", key, NullNode.getInstance(), node, null, false);
      try {
        DeleteResult r = proc.clients().via(node).delete(key);
        inv.ok(NullNode.getInstance(), r.servedBy().node());
      } catch (RuntimeException e) {
        inv.failed(NullNode.getInstance(), e, true);
        noteUnknown(key);
      }
    }
  }

  /** Counts a write whose outcome may be unknown on the current key (a definite failure counts too: harmless). */
  private void noteUnknown(String key) {
    synchronized (this) {
      if (key.equals(key(keyNumber.get()))) {
        unknownOnKey.incrementAndGet();
      }
    }
  }

  private void read(Proc proc, String key, String node, boolean fin) {
    Proc.Invocation inv = proc.invoke("read", key, NullNode.getInstance(), node, "STRONG", fin);
    try {
      GetResult r = fin ? proc.untilDeadline(() -> proc.clients().failover(node).get(key, STRONG))
          : proc.clients().via(node).get(key, STRONG);
      JsonNode v = value(r);
      inv.ok(v, r.servedBy().node());
      if (!v.isNull()) {
        proc.state(new long[] {key.hashCode(), v.asLong()});
      }
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }

  private void cas(Proc proc, String key, String node, long expected, long replacement) {
    ArrayNode v = JSON.arrayNode().add(expected).add(replacement);
    Proc.Invocation inv = proc.invoke("cas", key, v, node, null, false);
    GetResult current;
    try {
      current = proc.clients().via(node).get(key, STRONG);
    } catch (RuntimeException e) {
      inv.fail(v, "read before cas failed: " + Proc.describe(e));
      return;
    }
    JsonNode seen = value(current);
    if (seen.isNull() || seen.asLong() != expected) {
      inv.fail(v, "value is " + seen + ", not " + expected);
      return;
    }
    try {
      PutResult r = proc.clients().via(node).put(key, Long.toString(replacement),
          PutOptions.builder().ifVersion(current.version()).build());
      inv.ok(v, r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(v, e, true);
      noteUnknown(key);
    }
  }

  private static JsonNode value(GetResult r) {
    return r.found() ? JSON.numberNode(Long.parseLong(r.valueAsString())) : NullNode.getInstance();
  }

  @Override
  public void finalReads(Proc proc) {
    for (String key : keys) {
      read(proc, key, proc.anyNode(), true);
    }
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new LinearizabilityChecker());
  }
}
