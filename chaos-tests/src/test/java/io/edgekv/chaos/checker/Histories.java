package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import java.util.ArrayList;
import java.util.List;

/** Builds hand-made histories for checker tests: times are the order of the calls, in steps of 1 ms. */
final class Histories {
  private final List<Op> ops = new ArrayList<>();
  private long time;

  static JsonNode json(String text) {
    try {
      return History.JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  Histories invoke(int process, String f, String key, String value, String consistency) {
    return add(process, Op.Type.INVOKE, f, key, value, null, false, consistency);
  }

  Histories ok(int process, String f, String key, String value, String consistency) {
    return add(process, Op.Type.OK, f, key, value, null, false, consistency);
  }

  Histories fail(int process, String f, String key, String value) {
    return add(process, Op.Type.FAIL, f, key, value, null, false, null);
  }

  Histories info(int process, String f, String key, String value) {
    return add(process, Op.Type.INFO, f, key, value, null, false, null);
  }

  Histories add(int process, Op.Type type, String f, String key, String value, String node, boolean fin, String consistency) {
    time += 1_000_000;
    ops.add(new Op(ops.size(), time, process, type, f, key, value == null ? null : json(value), node, "eu-west", fin,
        consistency, null));
    return this;
  }

  /** A complete operation: invoke immediately followed by its completion. */
  Histories op(int process, String f, String key, String invokeValue, Op.Type outcome, String outcomeValue,
      String consistency) {
    invoke(process, f, key, invokeValue, consistency);
    return add(process, outcome, f, key, outcomeValue, null, false, consistency);
  }

  /** Moves the clock on. */
  Histories sleep(long millis) {
    time += millis * 1_000_000;
    return this;
  }

  History build() {
    return new History(ops);
  }
}
