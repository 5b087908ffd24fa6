package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class SessionCheckerTest {
  private final SessionChecker checker = new SessionChecker();

  @Test
  void readingOwnWritesAndNewerValuesIsValid() {
    var h = new Histories()
        .op(0, "write", "a", "1", Op.Type.OK, "1", null)
        .op(0, "read", "a", null, Op.Type.OK, "1", "SESSION")
        .op(1, "read", "a", null, Op.Type.OK, "null", "SESSION")
        .op(0, "write", "a", "2", Op.Type.OK, "2", null)
        .op(1, "read", "a", null, Op.Type.OK, "2", "SESSION")
        .build();
    assertEquals(Verdict.VALID, checker.check(h).verdict());
  }

  @Test
  void missingOwnWriteIsReadYourWritesViolation() {
    var h = new Histories()
        .op(0, "write", "a", "1", Op.Type.OK, "1", null)
        .op(0, "write", "a", "2", Op.Type.OK, "2", null)
        .op(0, "read", "a", null, Op.Type.OK, "1", "SESSION")
        .build();
    CheckResult r = checker.check(h);
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1L, r.stats().get("readYourWritesViolations"));
  }

  @Test
  void goingBackInTimeIsMonotonicReadViolation() {
    var h = new Histories()
        .op(0, "write", "a", "1", Op.Type.OK, "1", null)
        .op(0, "write", "a", "2", Op.Type.OK, "2", null)
        .op(1, "read", "a", null, Op.Type.OK, "2", "SESSION")
        .op(1, "read", "a", null, Op.Type.OK, "1", "SESSION")
        .build();
    CheckResult r = checker.check(h);
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals(1L, r.stats().get("monotonicReadViolations"));
  }

  @Test
  void anotherProcessMayLagBehindAWriterItNeverSaw() {
    var h = new Histories()
        .op(0, "write", "a", "5", Op.Type.OK, "5", null)
        .op(1, "read", "a", null, Op.Type.OK, "null", "SESSION")
        .build();
    assertEquals(Verdict.VALID, checker.check(h).verdict());
  }
}
