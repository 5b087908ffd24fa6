package io.edgekv.chaos.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/** An immutable, ordered list of {@link Op}s with JSON-lines I/O and invoke/completion pairing. */
public final class History {
  public static final ObjectMapper JSON = new ObjectMapper();

  private final List<Op> ops;

  public History(List<Op> ops) {
    this.ops = List.copyOf(ops);
  }

  public List<Op> ops() {
    return ops;
  }

  public int size() {
    return ops.size();
  }

  /**
   * Pairs each client invocation with the next completion of the same process (a process runs
   * one operation at a time). Nemesis events are left out.
   *
   * @throws IllegalStateException if a process completes without an invocation or invokes twice
   */
  public List<Operation> operations() {
    Map<Integer, Op> pending = new HashMap<>();
    Map<Op, Integer> order = new HashMap<>();
    List<Op[]> pairs = new ArrayList<>();
    for (Op op : ops) {
      if (op.isNemesis()) {
        continue;
      }
      if (op.isInvoke()) {
        if (pending.put(op.process(), op) != null) {
          throw new IllegalStateException("process " + op.process() + " invoked twice without completing (index " + op.index() + ")");
        }
        order.put(op, pairs.size());
        pairs.add(new Op[] {op, null});
      } else {
        Op invoke = pending.remove(op.process());
        if (invoke == null) {
          throw new IllegalStateException("process " + op.process() + " completed without invoking (index " + op.index() + ")");
        }
        pairs.get(order.get(invoke))[1] = op;
      }
    }
    return pairs.stream().map(p -> new Operation(p[0], p[1])).toList();
  }

  /** Nemesis events (start/stop/heal), in order. */
  public List<Op> nemesisEvents() {
    return ops.stream().filter(Op::isNemesis).toList();
  }

  // ------------------------------------------------------------------ JSON lines

  public static ObjectNode toJson(Op op) {
    ObjectNode o = JSON.createObjectNode();
    o.put("index", op.index());
    o.put("time", op.timeNanos());
    if (op.isNemesis()) {
      o.put("process", "nemesis");
    } else {
      o.put("process", op.process());
    }
    o.put("type", op.type().json());
    o.put("f", op.f());
    o.put("key", op.key());
    o.set("value", op.value());
    o.put("node", op.node());
    o.put("region", op.region());
    if (op.fin()) {
      o.put("final", true);
    }
    if (op.consistency() != null) {
      o.put("consistency", op.consistency());
    }
    if (op.error() != null) {
      o.put("error", op.error());
    }
    return o;
  }

  public static Op fromJson(JsonNode o) {
    JsonNode p = o.get("process");
    int process = p.isNumber() ? p.asInt() : Op.NEMESIS;
    return new Op(o.path("index").asLong(), o.path("time").asLong(), process,
        Op.Type.valueOf(o.path("type").asText().toUpperCase(Locale.ROOT)), o.path("f").asText(),
        text(o, "key"), o.get("value"), text(o, "node"), text(o, "region"), o.path("final").asBoolean(false),
        text(o, "consistency"), text(o, "error"));
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  public void write(Path file) {
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      for (Op op : ops) {
        out.write(JSON.writeValueAsString(toJson(op)));
        out.newLine();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static History read(Path file) {
    try {
      List<Op> out = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          out.add(fromJson(JSON.readTree(line)));
        }
      }
      return new History(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
