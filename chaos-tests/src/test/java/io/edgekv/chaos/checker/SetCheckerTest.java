package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class SetCheckerTest {
  private final SetChecker checker = new SetChecker();

  private static Histories adds() {
    return new Histories()
        .op(0, "add", "s", "1", Op.Type.OK, "1", null)
        .op(1, "add", "s", "2", Op.Type.OK, "2", null)
        .op(2, "add", "s", "3", Op.Type.FAIL, "3", null)
        .invoke(3, "add", "s", "4", null).info(3, "add", "s", "4");
  }

  private static Histories finalRead(Histories h, String elements) {
    h.add(9, Op.Type.INVOKE, "read", "s", null, "n1", true, "STRONG");
    return h.add(9, Op.Type.OK, "read", "s", elements, "n1", true, "STRONG");
  }

  @Test
  void everyAcknowledgedAddPresentIsValid() {
    CheckResult r = checker.check(finalRead(adds(), "[1,2,4]").build());
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
    assertEquals(1L, r.stats().get("indeterminatePresent"));
  }

  @Test
  void lostAcknowledgedAddIsCaught() {
    CheckResult r = checker.check(finalRead(adds(), "[1]").build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1L, r.stats().get("lost"));
    assertTrue(r.anomalies().getFirst().path("message").asText().contains("element 2"));
  }

  @Test
  void elementNeverAddedIsCaught() {
    CheckResult r = checker.check(finalRead(adds(), "[1,2,7]").build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1L, r.stats().get("unexpected"));
  }

  @Test
  void withoutFinalReadTheCheckerCannotDecide() {
    assertEquals(Verdict.UNKNOWN, checker.check(adds().build()).verdict());
  }

  private static Histories finalReadOn(Histories h, String node, Op.Type outcome, String elements) {
    h.add(9, Op.Type.INVOKE, "read", "s", null, node, true, "STRONG");
    return h.add(9, outcome, "read", "s", elements, node, true, "STRONG");
  }

  @Test
  void acrossRegionsEveryNodesFinalReadMustHoldEveryAcknowledgedAdd() {
    Histories h = adds();
    finalReadOn(h, "n1", Op.Type.OK, "[1,2,4]");
    finalReadOn(h, "n2", Op.Type.OK, "[1,2]");
    assertEquals(Verdict.VALID, checker.check(h.build()).verdict());
    finalReadOn(h, "n3", Op.Type.OK, "[1,4]");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.anomalies().getFirst().path("message").asText().contains("on n3"));
  }

  @Test
  void aFailedFinalReadOnOneNodeLeavesItUndecided() {
    Histories h = adds();
    finalReadOn(h, "n1", Op.Type.OK, "[1,2]");
    finalReadOn(h, "n2", Op.Type.FAIL, null);
    assertEquals(Verdict.UNKNOWN, checker.check(h.build()).verdict());
  }

  @Test
  void aFailedAddThatAppearsIsCaught() {
    CheckResult r = checker.check(finalRead(adds(), "[1,2,3]").build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("failed-add-present"), r.summary());
  }

  @Test
  void aReadDuringTheRunMissingAnEarlierAcknowledgedAddIsCaught() {
    Histories h = adds();
    h.op(5, "read", "s", null, Op.Type.OK, "[2,4]", "STRONG");
    CheckResult r = checker.check(finalRead(h, "[1,2,4]").build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.anomalies().getFirst().path("message").asText().contains("element 1"), r.summary());
  }

  @Test
  void anElementOfUnknownOutcomeThatDisappearsIsCaught() {
    Histories h = adds();
    h.op(5, "read", "s", null, Op.Type.OK, "[1,2,4]", "STRONG");
    CheckResult r = checker.check(finalRead(h, "[1,2]").build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("disappeared"), r.summary());
  }
}
