package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  @Test
  void sequentialWritesAndReadsAreLinearizable() {
    var h = new Histories()
        .op(0, "read", "k", null, Op.Type.OK, "null", "STRONG")
        .op(0, "write", "k", "1", Op.Type.OK, "1", null)
        .op(1, "read", "k", null, Op.Type.OK, "1", "STRONG")
        .op(1, "cas", "k", "[1,2]", Op.Type.OK, "[1,2]", null)
        .op(0, "read", "k", null, Op.Type.OK, "2", "STRONG")
        .op(0, "delete", "k", null, Op.Type.OK, null, null)
        .op(1, "read", "k", null, Op.Type.OK, "null", "STRONG")
        .build();
    assertEquals(Verdict.VALID, checker.check(h).verdict());
  }

  @Test
  void staleReadAfterAcknowledgedWriteIsCaught() {
    var h = new Histories()
        .op(0, "write", "k", "1", Op.Type.OK, "1", null)
        .op(0, "write", "k", "2", Op.Type.OK, "2", null)
        .op(1, "read", "k", null, Op.Type.OK, "1", "STRONG")
        .build();
    CheckResult r = checker.check(h);
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1, r.anomalies().size());
    assertTrue(r.anomalies().getFirst().path("message").asText().contains("key k"), r.anomalies().toString());
    assertTrue(r.anomalies().getFirst().path("ops").size() >= 2, "the anomaly names the operations involved");
  }

  @Test
  void concurrentOperationsMayTakeEffectInEitherOrder() {
    // write 1 and write 2 overlap; reads after both see 1, which needs write 2 ordered first
    var h = new Histories()
        .invoke(0, "write", "k", "1", null)
        .invoke(1, "write", "k", "2", null)
        .ok(1, "write", "k", "2", null)
        .ok(0, "write", "k", "1", null)
        .op(2, "read", "k", null, Op.Type.OK, "1", "STRONG")
        .build();
    assertEquals(Verdict.VALID, checker.check(h).verdict());
  }

  @Test
  void readsMustAgreeOnOneOrder() {
    // two overlapping writes, then two sequential reads that disagree on which came last
    var h = new Histories()
        .invoke(0, "write", "k", "1", null)
        .invoke(1, "write", "k", "2", null)
        .ok(1, "write", "k", "2", null)
        .ok(0, "write", "k", "1", null)
        .op(2, "read", "k", null, Op.Type.OK, "1", "STRONG")
        .op(2, "read", "k", null, Op.Type.OK, "2", "STRONG")
        .build();
    assertEquals(Verdict.INVALID, checker.check(h).verdict());
  }

  @Test
  void writeOfUnknownOutcomeMayApplyLater() {
    var h = new Histories()
        .op(0, "write", "k", "1", Op.Type.OK, "1", null)
        .invoke(1, "write", "k", "3", null)
        .info(1, "write", "k", "3")
        .op(2, "read", "k", null, Op.Type.OK, "1", "STRONG")
        .op(2, "read", "k", null, Op.Type.OK, "3", "STRONG")
        .build();
    assertEquals(Verdict.VALID, checker.check(h).verdict());
  }

  @Test
  void failedWriteMustNotBeVisible() {
    var h = new Histories()
        .op(0, "write", "k", "1", Op.Type.OK, "1", null)
        .op(1, "write", "k", "3", Op.Type.FAIL, "3", null)
        .op(2, "read", "k", null, Op.Type.OK, "3", "STRONG")
        .build();
    assertEquals(Verdict.INVALID, checker.check(h).verdict());
  }

  @Test
  void successfulCasNeedsItsExpectedValue() {
    var h = new Histories()
        .op(0, "write", "k", "1", Op.Type.OK, "1", null)
        .op(1, "cas", "k", "[2,3]", Op.Type.OK, "[2,3]", null)
        .build();
    assertEquals(Verdict.INVALID, checker.check(h).verdict());
  }

  @Test
  void nonStrongReadsAreNotJudged() {
    var h = new Histories()
        .op(0, "write", "k", "1", Op.Type.OK, "1", null)
        .op(0, "write", "k", "2", Op.Type.OK, "2", null)
        .op(1, "read", "k", null, Op.Type.OK, "1", "EVENTUAL")
        .build();
    assertEquals(Verdict.VALID, checker.check(h).verdict());
  }

  @Test
  void keysAreCheckedIndependently() {
    var h = new Histories()
        .op(0, "write", "a", "1", Op.Type.OK, "1", null)
        .op(0, "write", "b", "2", Op.Type.OK, "2", null)
        .op(1, "read", "a", null, Op.Type.OK, "1", "STRONG")
        .op(1, "read", "b", null, Op.Type.OK, "null", "STRONG")
        .build();
    CheckResult r = checker.check(h);
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1, ((Number) r.stats().get("invalidKeys")).intValue());
  }

  @Test
  void searchOverBudgetIsUnknown() {
    Histories h = new Histories();
    // many concurrent writes of unknown outcome and a final read no order reaches cheaply
    for (int p = 0; p < 14; p++) {
      h.invoke(p, "write", "k", String.valueOf(p), null);
    }
    for (int p = 0; p < 14; p++) {
      h.info(p, "write", "k", String.valueOf(p));
    }
    h.op(99, "read", "k", null, Op.Type.OK, "42", "STRONG");
    assertEquals(Verdict.UNKNOWN, new LinearizabilityChecker(1_000).check(h.build()).verdict());
  }

  @Test
  void emptyHistoryIsUnknown() {
    assertEquals(Verdict.UNKNOWN, checker.check(new Histories().build()).verdict());
  }
}
