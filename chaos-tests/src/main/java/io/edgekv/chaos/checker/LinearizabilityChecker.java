package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-key linearizability of a register history (the {@code register} workload): the Wing and
 * Gong search with Lowe's memoization of (linearized set, state), as Knossos and Porcupine do it.
 * Keys are independent (P-compositionality), so each key's history is searched alone. Only
 * {@code STRONG} reads take part (other reads promise no recency); writes, compare-and-sets and
 * deletes all go through Raft. Failed operations are left out (they did not happen); operations
 * of unknown outcome may take effect at any point after their invocation.
 *
 * <p>A key whose search exceeds the step budget is reported {@link Verdict#UNKNOWN}.
 */
public final class LinearizabilityChecker implements Checker {
  private final long maxStepsPerKey;

  public LinearizabilityChecker() {
    this(5_000_000);
  }

  public LinearizabilityChecker(long maxStepsPerKey) {
    this.maxStepsPerKey = maxStepsPerKey;
  }

  @Override
  public String name() {
    return "linearizable-register";
  }

  @Override
  public CheckResult check(History history) {
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation op : history.operations()) {
      boolean strongRead = "read".equals(op.f()) && "STRONG".equals(op.invoke().consistency());
      if (("read".equals(op.f()) ? strongRead : true) && RegisterModel.relevant(op)) {
        byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    Verdict verdict = Verdict.VALID;
    List<ObjectNode> anomalies = new ArrayList<>();
    int invalidKeys = 0;
    int unknownKeys = 0;
    long steps = 0;
    int checked = 0;
    for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
      KeyResult r = checkKey(e.getKey(), e.getValue());
      steps += r.steps;
      checked += e.getValue().size();
      verdict = verdict.and(r.verdict);
      if (r.verdict == Verdict.INVALID) {
        invalidKeys++;
      } else if (r.verdict == Verdict.UNKNOWN) {
        unknownKeys++;
      }
      if (r.anomaly != null && anomalies.size() < Anomalies.MAX) {
        anomalies.add(r.anomaly);
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("keys", byKey.size());
    stats.put("operations", checked);
    stats.put("searchSteps", steps);
    stats.put("invalidKeys", invalidKeys);
    stats.put("unknownKeys", unknownKeys);
    String summary = switch (verdict) {
      case VALID -> byKey.size() + " keys, " + checked + " operations: every key linearizable";
      case INVALID -> invalidKeys + " of " + byKey.size() + " keys not linearizable";
      case UNKNOWN -> unknownKeys + " of " + byKey.size() + " keys undecided (search budget exceeded)";
    };
    if (byKey.isEmpty()) {
      return new CheckResult(name(), Verdict.UNKNOWN, "no register operations to check", List.of(), stats);
    }
    return new CheckResult(name(), verdict, summary, anomalies, stats);
  }

  private record KeyResult(Verdict verdict, long steps, ObjectNode anomaly) {}

  /** One call or return event in the doubly linked list the search walks. */
  private static final class Entry {
    final int id;
    final boolean call;
    final long time;
    final Operation op;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int id, boolean call, long time, Operation op) {
      this.id = id;
      this.call = call;
      this.time = time;
      this.op = op;
    }
  }

  private record Memo(BitSet linearized, Long state) {}

  private record Frame(Entry entry, Long state) {}

  private KeyResult checkKey(String key, List<Operation> ops) {
    List<Entry> events = new ArrayList<>(ops.size() * 2);
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      Entry call = new Entry(i, true, op.callNanos(), op);
      Entry ret = new Entry(i, false, op.returnNanos(), op);
      call.match = ret;
      events.add(call);
      events.add(ret);
    }
    // by time; at equal times a call comes first, so touching operations count as concurrent
    events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
    Entry head = new Entry(-1, false, Long.MIN_VALUE, null);
    Entry last = head;
    for (Entry e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }

    BitSet linearized = new BitSet(ops.size());
    Set<Memo> cache = new HashSet<>();
    Deque<Frame> calls = new ArrayDeque<>();
    Long state = RegisterModel.EMPTY;
    Entry entry = head.next;
    long steps = 0;
    int deepest = -1;
    Entry stuckAt = null;
    while (head.next != null) {
      if (++steps > maxStepsPerKey) {
        ObjectNode a = Anomalies.of("undecided", "key " + key + ": search gave up after " + maxStepsPerKey
            + " steps over " + ops.size() + " operations");
        return new KeyResult(Verdict.UNKNOWN, steps, a);
      }
      if (entry.call) {
        Object next = RegisterModel.step(state, entry.op);
        if (next != RegisterModel.ILLEGAL) {
          BitSet after = (BitSet) linearized.clone();
          after.set(entry.id);
          if (cache.add(new Memo(after, (Long) next))) {
            calls.push(new Frame(entry, state));
            state = (Long) next;
            linearized.set(entry.id);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        // a return: the operation it ends had to be linearized before this point
        if (linearized.cardinality() > deepest) {
          deepest = linearized.cardinality();
          stuckAt = entry;
        }
        if (calls.isEmpty()) {
          return new KeyResult(Verdict.INVALID, steps, explain(key, ops, deepest, stuckAt));
        }
        Frame top = calls.pop();
        state = top.state;
        linearized.clear(top.entry.id);
        unlift(top.entry);
        entry = top.entry.next;
      }
    }
    return new KeyResult(Verdict.VALID, steps, null);
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }

  private static ObjectNode explain(String key, List<Operation> ops, int deepest, Entry stuckAt) {
    Operation stuck = stuckAt.op;
    String message = "key " + key + ": no linearization. The longest linearizable prefix orders " + deepest
        + " of " + ops.size() + " operations; after it, no order can place " + stuck.f() + " "
        + describe(stuck) + " (process " + stuck.process() + ", history index " + stuck.invoke().index() + ")";
    // the operations that overlap the stuck one, and the latest ones that completed before it
    List<Operation> involved = new ArrayList<>();
    List<Operation> before = new ArrayList<>();
    for (Operation o : ops) {
      boolean overlaps = o.callNanos() <= stuck.returnNanos() && o.returnNanos() >= stuck.callNanos();
      if (overlaps) {
        involved.add(o);
      } else if (o.returnNanos() < stuck.callNanos() && !"read".equals(o.f())) {
        before.add(o);
      }
    }
    List<Operation> shown = new ArrayList<>(before.subList(Math.max(0, before.size() - 3), before.size()));
    shown.addAll(involved.subList(0, Math.min(involved.size(), 12)));
    ObjectNode a = Anomalies.of("nonlinearizable", message);
    a.put("key", key);
    return Anomalies.withOps(a, shown);
  }

  private static String describe(Operation o) {
    return switch (o.f()) {
      case "read" -> "-> " + o.completion().value();
      case "delete" -> "";
      default -> o.invoke().value().toString();
    } + (o.ok() ? "" : " (outcome unknown)");
  }
}
