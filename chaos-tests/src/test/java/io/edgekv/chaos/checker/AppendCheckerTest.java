package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class AppendCheckerTest {
  private final AppendChecker checker = new AppendChecker();

  private static Histories txn(Histories h, int process, String mops, Op.Type outcome, String done) {
    h.invoke(process, "txn", "append/", mops, "STRONG");
    return h.add(process, outcome, "txn", "append/", done, null, false, "STRONG");
  }

  private static Histories finalRead(Histories h, String done) {
    h.add(9, Op.Type.INVOKE, "txn", "append/", "[[\"r\",\"x\",null],[\"r\",\"y\",null]]", "n1", true, "STRONG");
    return h.add(9, Op.Type.OK, "txn", "append/", done, "n1", true, "STRONG");
  }

  @Test
  void aSerialHistoryIsValid() {
    Histories h = new Histories();
    txn(h, 0, "[[\"append\",\"x\",1],[\"append\",\"y\",2]]", Op.Type.OK, "[[\"append\",\"x\",1],[\"append\",\"y\",2]]");
    txn(h, 1, "[[\"r\",\"x\",null],[\"append\",\"y\",3]]", Op.Type.OK, "[[\"r\",\"x\",[1]],[\"append\",\"y\",3]]");
    txn(h, 2, "[[\"r\",\"y\",null]]", Op.Type.OK, "[[\"r\",\"y\",[2,3]]]");
    CheckResult r = checker.check(finalRead(h, "[[\"r\",\"x\",[1]],[\"r\",\"y\",[2,3]]]").build());
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
  }

  @Test
  void aStaleReadAfterACommittedAppendIsARealtimeCycle() {
    Histories h = new Histories();
    txn(h, 0, "[[\"append\",\"x\",1]]", Op.Type.OK, "[[\"append\",\"x\",1]]");
    // invoked after the append completed, yet reads the empty list: rw to the append, realtime back
    txn(h, 1, "[[\"r\",\"x\",null]]", Op.Type.OK, "[[\"r\",\"x\",[]]]");
    CheckResult r = checker.check(finalRead(h, "[[\"r\",\"x\",[1]],[\"r\",\"y\",[]]]").build());
    assertEquals(Verdict.INVALID, r.verdict(), r.summary());
    assertTrue(r.summary().contains("G-single-realtime"), r.summary());
  }

  @Test
  void aReadSkewBetweenTwoKeysIsACycle() {
    Histories h = new Histories();
    // T0 appends x and y together; T1 sees T0's x but not its y (not atomic): wr then rw to T0
    h.invoke(0, "txn", "append/", "[[\"append\",\"x\",1],[\"append\",\"y\",2]]", "STRONG");
    h.invoke(1, "txn", "append/", "[[\"r\",\"x\",null],[\"r\",\"y\",null]]", "STRONG");
    h.add(1, Op.Type.OK, "txn", "append/", "[[\"r\",\"x\",[1]],[\"r\",\"y\",[]]]", null, false, "STRONG");
    h.add(0, Op.Type.OK, "txn", "append/", "[[\"append\",\"x\",1],[\"append\",\"y\",2]]", null, false, "STRONG");
    CheckResult r = checker.check(finalRead(h, "[[\"r\",\"x\",[1]],[\"r\",\"y\",[2]]]").build());
    assertEquals(Verdict.INVALID, r.verdict(), r.summary());
    assertTrue(r.summary().contains("G-single") || r.summary().contains("G1c"), r.summary());
  }

  @Test
  void lostAppendsAndIncompatibleOrdersAreCaught() {
    Histories h = new Histories();
    txn(h, 0, "[[\"append\",\"x\",1]]", Op.Type.OK, "[[\"append\",\"x\",1]]");
    txn(h, 1, "[[\"append\",\"x\",2]]", Op.Type.OK, "[[\"append\",\"x\",2]]");
    txn(h, 2, "[[\"r\",\"x\",null]]", Op.Type.OK, "[[\"r\",\"x\",[2,1]]]");
    CheckResult r = checker.check(finalRead(h, "[[\"r\",\"x\",[1]],[\"r\",\"y\",[]]]").build());
    assertEquals(Verdict.INVALID, r.verdict(), r.summary());
    assertTrue(r.summary().contains("lost-append") && r.summary().contains("incompatible-order"), r.summary());
  }

  @Test
  void withoutAFinalReadLostAppendsAreUndecidable() {
    Histories h = new Histories();
    txn(h, 0, "[[\"append\",\"x\",1]]", Op.Type.OK, "[[\"append\",\"x\",1]]");
    assertEquals(Verdict.UNKNOWN, checker.check(h.build()).verdict());
  }
}
