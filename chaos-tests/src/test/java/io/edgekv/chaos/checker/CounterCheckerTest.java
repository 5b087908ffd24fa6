package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class CounterCheckerTest {
  private static final String K = "counter/c0";

  private static Histories inc(Histories h, int process, long delta, Op.Type outcome, long total) {
    h.invoke(process, "increment", K, "{\"delta\":" + delta + "}", null);
    return h.add(process, outcome, "increment", K, outcome == Op.Type.OK ? "{\"value\":" + total + "}" : null, "n1",
        false, null);
  }

  private static Histories finals(Histories h, long... values) {
    for (int i = 0; i < values.length; i++) {
      h.add(100 + i, Op.Type.INVOKE, "read", K, null, "n" + (i + 1), true, "EVENTUAL");
      h.add(100 + i, Op.Type.OK, "read", K, "{\"value\":" + values[i] + "}", "n" + (i + 1), true, "EVENTUAL");
    }
    return h;
  }

  private static CheckResult check(Histories h) {
    return new CounterChecker().check(h.build());
  }

  private static Histories base() {
    Histories h = new Histories();
    inc(h, 0, 5, Op.Type.OK, 5);
    inc(h, 1, -2, Op.Type.OK, 3);
    inc(h, 2, 4, Op.Type.FAIL, 0); // did not happen
    h.op(3, "read", K, null, Op.Type.OK, "{\"value\":3}", "EVENTUAL");
    return h;
  }

  @Test
  void validWhenEveryNodeHoldsTheAcknowledgedSum() {
    CheckResult r = check(finals(base(), 3, 3, 3));
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
  }

  @Test
  void incrementsOfUnknownOutcomeMayOrMayNotCount() {
    Histories h = base();
    inc(h, 4, 7, Op.Type.INFO, 0);
    inc(h, 5, -1, Op.Type.INFO, 0);
    for (long fin : new long[] {2, 3, 9, 10}) {
      Histories copy = copyOf(h);
      assertEquals(Verdict.VALID, check(finals(copy, fin, fin, fin)).verdict(), "final " + fin);
    }
    assertEquals(Verdict.INVALID, check(finals(copyOf(h), 11, 11, 11)).verdict());
    assertEquals(Verdict.INVALID, check(finals(copyOf(h), 1, 1, 1)).verdict());
  }

  private static Histories copyOf(Histories h) {
    Histories copy = new Histories();
    for (Op op : h.build().ops()) {
      copy.add(op.process(), op.type(), op.f(), op.key(), op.value().isNull() ? null : op.value().toString(), op.node(),
          op.fin(), op.consistency());
    }
    return copy;
  }

  @Test
  void lostIncrement() {
    CheckResult r = check(finals(base(), -2, -2, -2)); // the acknowledged +5 is missing
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("lost-increment"), r.summary());
  }

  @Test
  void aLostNegativeIncrementReadsAsTooHigh() {
    CheckResult r = check(finals(base(), 5, 5, 5)); // the acknowledged -2 is missing: above the range
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("double-counted"), r.summary());
  }

  @Test
  void doubleCountedIncrement() {
    CheckResult r = check(finals(base(), 8, 8, 8)); // the +5 counted twice
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("double-counted"), r.summary());
  }

  @Test
  void divergence() {
    Histories h = base();
    inc(h, 4, 7, Op.Type.INFO, 0);
    CheckResult r = check(finals(h, 3, 10, 3)); // each within bounds, but they disagree
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("diverged"), r.summary());
  }

  @Test
  void impossibleReadDuringTheRun() {
    Histories h = base();
    h.op(3, "read", K, null, Op.Type.OK, "{\"value\":12}", "EVENTUAL");
    CheckResult r = check(finals(h, 3, 3, 3));
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.summary().contains("impossible-read"), r.summary());
  }

  @Test
  void aFailedFinalReadIsUnknown() {
    Histories h = base();
    h.add(100, Op.Type.INVOKE, "read", K, null, "n1", true, "EVENTUAL");
    h.add(100, Op.Type.FAIL, "read", K, null, "n1", true, "EVENTUAL");
    assertEquals(Verdict.UNKNOWN, check(h).verdict());
    History none = base().build();
    assertEquals(Verdict.UNKNOWN, new CounterChecker().check(none).verdict());
  }
}
