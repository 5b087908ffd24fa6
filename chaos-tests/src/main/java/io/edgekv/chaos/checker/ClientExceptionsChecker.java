package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * No exception other than a refusal or a transport failure: an operation whose client threw
 * anything else (a bug in the client or the harness, possibly after the call succeeded) is
 * recorded {@code info} with {@link #PREFIX} in its error, and every such one is an anomaly here
 * rather than an unknown outcome nobody looks at. Added to every run.
 */
public final class ClientExceptionsChecker implements Checker {
  /** Same as {@code Proc.UNEXPECTED}. */
  public static final String PREFIX = "unexpected exception: ";

  @Override
  public String name() {
    return "client-exceptions";
  }

  @Override
  public CheckResult check(History history) {
    List<ObjectNode> anomalies = new ArrayList<>();
    long count = 0;
    for (Op op : history.ops()) {
      if (!op.isNemesis() && op.error() != null && op.error().startsWith(PREFIX)) {
        count++;
        if (anomalies.size() < Anomalies.MAX) {
          anomalies.add(Anomalies.withOp(Anomalies.of("unexpected-exception", "process " + op.process() + " "
              + op.f() + " " + op.key() + ": " + op.error()), op));
        }
      }
    }
    return count == 0
        ? new CheckResult(name(), Verdict.VALID, "no unexpected client exception", List.of(), Map.of("unexpected", 0L))
        : new CheckResult(name(), Verdict.INVALID, count + " operations ended in an unexpected exception", anomalies,
            Map.of("unexpected", count));
  }
}
