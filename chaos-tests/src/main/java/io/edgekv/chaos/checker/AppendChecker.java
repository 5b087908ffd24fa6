package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Operation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Strict serializability of list-append transactions, by Elle's method: the lists read give each
 * key's version order (every read must be a prefix of the longest; values are unique, so each
 * element names the transaction that appended it), from which follow the dependencies between
 * transactions: <b>ww</b> (appended next after), <b>wr</b> (read the list ending with its append),
 * <b>rw</b> (read the list just before its append), plus <b>realtime</b> (completed before the
 * other was invoked). A cycle in that graph is an anomaly (G0, G1c, G-single, G2, with realtime
 * when real-time order closes it); found with Tarjan's strongly connected components, each
 * reported with one cycle through it. Also: elements never appended or appended by failed
 * transactions, duplicates, incompatible orders, and acknowledged appends missing from the final
 * read. Real-time order is encoded through a chain of completion events, so the graph stays
 * linear in the history.
 */
public final class AppendChecker implements Checker {
  @Override
  public String name() {
    return "append-strict-serializable";
  }

  private record Edge(int to, String type) {}

  @Override
  public CheckResult check(History history) {
    List<Operation> txns = history.operations().stream().filter(o -> "txn".equals(o.f())).toList();
    List<ObjectNode> anomalies = new ArrayList<>();
    Map<String, Long> counts = new TreeMap<>();
    Map<Long, Integer> writer = new HashMap<>();
    Map<String, long[]> longest = new TreeMap<>();
    Operation finalRead = null;
    for (int i = 0; i < txns.size(); i++) {
      Operation t = txns.get(i);
      for (JsonNode mop : t.invoke().value()) {
        if ("append".equals(mop.get(0).asText())) {
          writer.put(mop.get(2).asLong(), i);
        }
      }
      if (t.isFinal()) {
        finalRead = t;
      }
    }
    // version orders: the longest list read per key; every read a prefix of it
    for (Operation t : txns) {
      if (!t.ok()) {
        continue;
      }
      for (JsonNode mop : t.completion().value()) {
        if ("r".equals(mop.get(0).asText())) {
          long[] list = list(mop.get(2));
          long[] best = longest.get(mop.get(1).asText());
          if (best == null || list.length > best.length) {
            longest.put(mop.get(1).asText(), list);
          }
        }
      }
    }
    int n = txns.size();
    List<List<Edge>> graph = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      graph.add(new ArrayList<>());
    }
    boolean[] inGraph = new boolean[n];
    for (int i = 0; i < n; i++) {
      inGraph[i] = txns.get(i).ok();
    }
    longest.forEach((key, order) -> {
      for (int j = 0; j < order.length; j++) {
        Integer w = writer.get(order[j]);
        if (w == null) {
          note(anomalies, counts, "phantom", "key " + key + ": element " + order[j] + " was never appended", List.of());
          continue;
        }
        if (txns.get(w).failed()) {
          note(anomalies, counts, "aborted-read", "key " + key + ": element " + order[j]
              + " was appended by a transaction that failed", List.of(txns.get(w)));
        }
        inGraph[w] = true;
        for (int d = 0; d < j; d++) {
          if (order[d] == order[j]) {
            note(anomalies, counts, "duplicate", "key " + key + ": element " + order[j] + " appears twice", List.of());
          }
        }
        Integer next = j + 1 < order.length ? writer.get(order[j + 1]) : null;
        if (next != null && !next.equals(w)) {
          graph.get(w).add(new Edge(next, "ww"));
        }
      }
    });
    for (int i = 0; i < n; i++) {
      Operation t = txns.get(i);
      if (!t.ok()) {
        continue;
      }
      for (JsonNode mop : t.completion().value()) {
        if (!"r".equals(mop.get(0).asText())) {
          continue;
        }
        String key = mop.get(1).asText();
        long[] list = list(mop.get(2));
        long[] order = longest.get(key);
        if (!Arrays.equals(list, Arrays.copyOf(order, list.length))) {
          note(anomalies, counts, "incompatible-order", "key " + key + ": read " + Arrays.toString(list)
              + " is not a prefix of " + Arrays.toString(order), List.of(t));
          continue;
        }
        if (list.length > 0) {
          Integer w = writer.get(list[list.length - 1]);
          if (w != null && w != i) {
            graph.get(w).add(new Edge(i, "wr"));
          }
        }
        if (order.length > list.length) {
          Integer w = writer.get(order[list.length]);
          if (w != null && w != i) {
            graph.get(i).add(new Edge(w, "rw"));
          }
        }
      }
    }
    // acknowledged appends must be in the final read
    long lost = 0;
    if (finalRead != null && finalRead.ok()) {
      Map<String, long[]> fin = new HashMap<>();
      for (JsonNode mop : finalRead.completion().value()) {
        fin.put(mop.get(1).asText(), list(mop.get(2)));
      }
      for (Operation t : txns) {
        if (!t.ok() || t.isFinal()) {
          continue;
        }
        for (JsonNode mop : t.invoke().value()) {
          if ("append".equals(mop.get(0).asText())
              && Arrays.stream(fin.getOrDefault(mop.get(1).asText(), new long[0])).noneMatch(v -> v == mop.get(2).asLong())) {
            lost++;
            note(anomalies, counts, "lost-append", "key " + mop.get(1).asText() + ": acknowledged append of "
                + mop.get(2).asLong() + " is missing from the final read", List.of(t, finalRead));
          }
        }
      }
    }
    int cycles = findCycles(txns, graph, inGraph, anomalies, counts);
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("transactions", n);
    stats.put("ok", txns.stream().filter(Operation::ok).count());
    stats.put("failed", txns.stream().filter(Operation::failed).count());
    stats.put("unknown", txns.stream().filter(Operation::indeterminate).count());
    stats.put("keys", longest.size());
    stats.put("cycles", cycles);
    stats.put("lostAppends", lost);
    stats.put("anomalies", new LinkedHashMap<>(counts));
    if (finalRead == null || !finalRead.ok()) {
      anomalies.add(Anomalies.of("no-final-read", "the final read failed within its deadline: lost appends undecidable"));
      return new CheckResult(name(), counts.isEmpty() ? Verdict.UNKNOWN : Verdict.INVALID,
          "no final read" + (counts.isEmpty() ? "" : "; anomalies " + counts), anomalies, stats);
    }
    if (!counts.isEmpty()) {
      return new CheckResult(name(), Verdict.INVALID, "anomalies " + counts, anomalies, stats);
    }
    return new CheckResult(name(), Verdict.VALID, stats.get("ok") + " transactions committed, no dependency cycle "
        + "(ww, wr, rw, realtime) over " + longest.size() + " keys, every acknowledged append in the final read",
        anomalies, stats);
  }

  /** Adds the real-time edges through a chain of completion events, runs Tarjan, reports each cyclic component. */
  private static int findCycles(List<Operation> txns, List<List<Edge>> graph, boolean[] inGraph,
      List<ObjectNode> anomalies, Map<String, Long> counts) {
    int n = txns.size();
    List<Integer> completed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (txns.get(i).ok()) {
        completed.add(i);
      }
    }
    completed.sort((a, b) -> Long.compare(txns.get(a).returnNanos(), txns.get(b).returnNanos()));
    long[] times = completed.stream().mapToLong(i -> txns.get(i).returnNanos()).toArray();
    int total = n + completed.size();
    while (graph.size() < total) {
      graph.add(new ArrayList<>());
    }
    for (int c = 0; c < completed.size(); c++) {
      graph.get(completed.get(c)).add(new Edge(n + c, "realtime"));
      if (c + 1 < completed.size()) {
        graph.get(n + c).add(new Edge(n + c + 1, "realtime"));
      }
    }
    for (int i = 0; i < n; i++) {
      if (!inGraph[i]) {
        continue;
      }
      int before = Arrays.binarySearch(times, txns.get(i).callNanos());
      int idx = before >= 0 ? before - 1 : -before - 2; // last completion strictly before the invocation
      while (idx >= 0 && times[idx] >= txns.get(i).callNanos()) {
        idx--;
      }
      if (idx >= 0) {
        graph.get(n + idx).add(new Edge(i, "realtime"));
      }
    }
    int[][] successors = new int[total][];
    for (int v = 0; v < total; v++) {
      successors[v] = graph.get(v).stream().mapToInt(Edge::to).toArray();
    }
    int[] component = Tarjan.components(successors);
    Map<Integer, List<Integer>> members = new HashMap<>();
    for (int i = 0; i < n; i++) {
      if (inGraph[i]) {
        members.computeIfAbsent(component[i], c -> new ArrayList<>()).add(i);
      }
    }
    int cycles = 0;
    for (List<Integer> scc : members.values()) {
      if (scc.size() < 2) {
        continue;
      }
      cycles++;
      List<String> path = cycleThrough(scc.getFirst(), graph, component, n);
      long rw = path.stream().filter(s -> s.startsWith("rw")).count();
      boolean rt = path.stream().anyMatch(s -> s.startsWith("realtime"));
      boolean wr = path.stream().anyMatch(s -> s.startsWith("wr"));
      String kind = (rw == 0 ? (wr ? "G1c" : "G0") : rw == 1 ? "G-single" : "G2") + (rt ? "-realtime" : "");
      note(anomalies, counts, kind, "dependency cycle among " + scc.size() + " transactions: " + String.join(" ", path),
          scc.stream().limit(8).map(txns::get).toList());
    }
    return cycles;
  }

  /** One cycle from {@code start} back to it inside its component (BFS), as "type-> T#i" steps, timeline nodes folded. */
  private static List<String> cycleThrough(int start, List<List<Edge>> graph, int[] component, int n) {
    int[] parent = new int[graph.size()];
    String[] via = new String[graph.size()];
    Arrays.fill(parent, -2);
    Deque<Integer> queue = new ArrayDeque<>();
    queue.add(start);
    parent[start] = -1;
    int end = -1;
    String endVia = null;
    while (!queue.isEmpty() && end < 0) {
      int u = queue.poll();
      for (Edge e : graph.get(u)) {
        if (component[e.to()] != component[start]) {
          continue;
        }
        if (e.to() == start) {
          end = u;
          endVia = e.type();
          break;
        }
        if (parent[e.to()] == -2) {
          parent[e.to()] = u;
          via[e.to()] = e.type();
          queue.add(e.to());
        }
      }
    }
    List<String> steps = new ArrayList<>();
    if (end < 0) {
      return steps;
    }
    steps.add(endVia + "-> T" + start);
    for (int v = end; v != start && v >= 0; v = parent[v]) {
      if (v < n) {
        steps.addFirst(via[v] + "-> T" + v);
      } else if (!steps.isEmpty() && !steps.getFirst().startsWith("realtime")) {
        steps.addFirst("realtime->");
      }
    }
    steps.addFirst("T" + start);
    return steps;
  }

  private static long[] list(JsonNode values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).asLong();
    }
    return out;
  }

  private static void note(List<ObjectNode> anomalies, Map<String, Long> counts, String kind, String message,
      List<Operation> ops) {
    counts.merge(kind, 1L, Long::sum);
    if (anomalies.size() < Anomalies.MAX) {
      anomalies.add(Anomalies.withOps(Anomalies.of(kind, message), ops));
    }
  }
}
