package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class ConvergenceCheckerTest {
  private final ConvergenceChecker checker = new ConvergenceChecker();

  private static Histories view(Histories h, int process, String node, Op.Type outcome, String value) {
    h.add(process, Op.Type.INVOKE, "read", "p/", null, node, true, "EVENTUAL");
    return h.add(process, outcome, "read", "p/", value, node, true, "EVENTUAL");
  }

  @Test
  void identicalViewsConverge() {
    Histories h = new Histories();
    view(h, 1, "n1", Op.Type.OK, "{\"p/a\":\"1@5@eu-west\"}");
    view(h, 1, "n2", Op.Type.OK, "{\"p/a\":\"1@5@eu-west\"}");
    assertEquals(Verdict.VALID, checker.check(h.build()).verdict());
  }

  @Test
  void differentVersionsOnTwoNodesDiverge() {
    Histories h = new Histories();
    view(h, 1, "n1", Op.Type.OK, "{\"p/a\":\"1@5@eu-west\",\"p/b\":\"2@6@eu-west\"}");
    view(h, 1, "n2", Op.Type.OK, "{\"p/a\":\"1@7@eu-west\",\"p/b\":\"2@6@eu-west\"}");
    view(h, 1, "n3", Op.Type.OK, "{\"p/b\":\"2@6@eu-west\"}");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1, r.stats().get("diverged"));
  }

  @Test
  void unreadableNodeLeavesItUndecided() {
    Histories h = new Histories();
    view(h, 1, "n1", Op.Type.OK, "{}");
    view(h, 1, "n2", Op.Type.FAIL, null);
    assertEquals(Verdict.UNKNOWN, checker.check(h.build()).verdict());
  }
}
