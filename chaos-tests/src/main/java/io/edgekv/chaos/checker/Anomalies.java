package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import io.edgekv.chaos.history.Operation;
import java.util.Collection;

/** Builds anomaly records: a kind, a message and the operations involved, as they are in the history. */
public final class Anomalies {
  /** Anomaly lists are cut here; the summary still gives the full count. */
  static final int MAX = 25;

  private Anomalies() {}

  public static ObjectNode of(String kind, String message) {
    ObjectNode a = History.JSON.createObjectNode();
    a.put("kind", kind);
    a.put("message", message);
    a.putArray("ops");
    return a;
  }

  static ObjectNode withOps(ObjectNode anomaly, Collection<Operation> operations) {
    ArrayNode ops = (ArrayNode) anomaly.get("ops");
    for (Operation o : operations) {
      ops.add(History.toJson(o.invoke()));
      if (o.completion() != null) {
        ops.add(History.toJson(o.completion()));
      }
    }
    return anomaly;
  }

  static ObjectNode withOp(ObjectNode anomaly, Op op) {
    ((ArrayNode) anomaly.get("ops")).add(History.toJson(op));
    return anomaly;
  }
}
