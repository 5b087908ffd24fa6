package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class TtlAndPurgeCheckerTest {
  private static Histories scan(Histories h, String present) {
    h.add(9, Op.Type.INVOKE, "scan", "p/", null, "n1", true, "STRONG");
    return h.add(9, Op.Type.OK, "scan", "p/", present, "n1", true, "STRONG");
  }

  @Test
  void ttlReadsWithinTheToleranceAreValidAndAnExpiredReadIsCaught() {
    TtlChecker checker = new TtlChecker(500);
    Histories h = new Histories().op(0, "write", "ttl/1", "{\"value\":1,\"ttlMs\":1000}", Op.Type.OK,
        "{\"value\":1,\"ttlMs\":1000}", null);
    h.sleep(2_000).op(1, "read", "ttl/1", null, Op.Type.OK, "1", "STRONG"); // 1 s late: within 0.5 + 1.5 s
    CheckResult ok = checker.check(scan(h, "[]").build());
    assertEquals(Verdict.VALID, ok.verdict(), ok.summary());
    assertEquals(2_000L, ok.stats().get("toleranceMs"));
    h.sleep(5_000).op(1, "read", "ttl/1", null, Op.Type.OK, "1", "STRONG");
    CheckResult bad = checker.check(scan(h, "[]").build());
    assertEquals(Verdict.INVALID, bad.verdict());
    assertTrue(bad.summary().contains("expired-read"), bad.summary());
  }

  @Test
  void ttlAnEarlyMissIsCaughtAndTheInjectedSkewWidensTheTolerance() {
    Histories h = new Histories().op(0, "write", "ttl/1", "{\"value\":1,\"ttlMs\":10000}", Op.Type.OK,
        "{\"value\":1,\"ttlMs\":10000}", null);
    h.op(1, "read", "ttl/1", null, Op.Type.OK, "null", "STRONG");
    CheckResult early = new TtlChecker(500).check(scan(h, "[]").build());
    assertEquals(Verdict.INVALID, early.verdict());
    assertTrue(early.summary().contains("early-expiry"), early.summary());
    h.add(Op.NEMESIS, Op.Type.INFO, "start", null, "[{\"fault\":\"skew\",\"node\":\"n1\",\"offsetMs\":9000}]", null,
        false, null);
    CheckResult skewed = new TtlChecker(500).check(scan(h, "[]").build());
    assertEquals(Verdict.VALID, skewed.verdict(), skewed.summary());
    assertEquals(9_000L, skewed.stats().get("injectedSkewMs"));
  }

  @Test
  void aStepOfTheHostsWallClockWidensTheToleranceAndIsReported() {
    Histories h = new Histories().op(0, "write", "ttl/1", "{\"value\":1,\"ttlMs\":3000}", Op.Type.OK,
        "{\"value\":1,\"ttlMs\":3000}", null);
    h.sleep(500).op(1, "read", "ttl/1", null, Op.Type.OK, "null", "STRONG"); // 2.5 s early: beyond 0.5 + 1.5 s
    CheckResult early = new TtlChecker(500).check(scan(h, "[]").build());
    assertEquals(Verdict.INVALID, early.verdict(), early.summary());
    // every node's wall clock jumped 4.7 s forward while the history's monotonic clock did not
    h.add(Op.NEMESIS, Op.Type.INFO, "host-clock", null,
        "[{\"fault\":\"host-clock\",\"hostOffsetMs\":4700,\"stepMs\":4700}]", null, false, null);
    CheckResult stepped = new TtlChecker(500).check(scan(h, "[]").build());
    assertEquals(Verdict.VALID, stepped.verdict(), stepped.summary());
    assertEquals(4_700L, stepped.stats().get("hostClockStepMs"));
    assertTrue(stepped.summary().contains("host clock step 4700 ms"), stepped.summary());
    assertEquals(0L, new TtlChecker(500).check(scan(new Histories(), "[]").build()).stats().get("hostClockStepMs"));
  }

  @Test
  void aPurgedKeyReadAfterThePurgeIsCaughtAndUnpurgedWritesMustSurvive() {
    PurgeChecker checker = new PurgeChecker();
    Histories h = new Histories()
        .op(0, "write", "purge/g0/1", "{\"value\":1,\"group\":0}", Op.Type.OK, "{\"value\":1,\"group\":0}", null)
        .op(0, "write", "purge/g1/2", "{\"value\":2,\"group\":1}", Op.Type.OK, "{\"value\":2,\"group\":1}", null)
        .op(1, "purge", "purge/g0/", "{\"group\":0,\"by\":\"tag\"}", Op.Type.OK, "{\"group\":0,\"by\":\"tag\"}", null);
    CheckResult ok = checker.check(scan(h, "[2]").build());
    assertEquals(Verdict.VALID, ok.verdict(), ok.summary());
    CheckResult readable = checker.check(scan(h, "[1,2]").build());
    assertEquals(Verdict.INVALID, readable.verdict());
    assertTrue(readable.summary().contains("purged-readable"), readable.summary());
    CheckResult lost = checker.check(scan(h, "[]").build());
    assertEquals(Verdict.INVALID, lost.verdict());
    assertTrue(lost.summary().contains("lost-write"), lost.summary());
  }

  /** The harness's convergence reads (EVENTUAL, of the whole prefix, a map per node) are not the workload's reads. */
  private static Histories convergenceRead(Histories h, String prefix) {
    h.add(2000, Op.Type.INVOKE, "read", prefix, null, "n1", true, "EVENTUAL");
    return h.add(2000, Op.Type.OK, "read", prefix, "{\"" + prefix + "0\":\"0@1\"}", "n1", true, "EVENTUAL");
  }

  @Test
  void convergenceReadsOfThePrefixAreNotJudged() {
    Histories ttl = new Histories().op(0, "write", "ttl/0", "{\"value\":0,\"ttlMs\":1000}", Op.Type.OK,
        "{\"value\":0,\"ttlMs\":1000}", null);
    CheckResult t = new TtlChecker(500).check(convergenceRead(scan(ttl, "[]"), "ttl/").build());
    assertEquals(Verdict.VALID, t.verdict(), t.summary());
    Histories purge = new Histories()
        .op(0, "write", "purge/g0/0", "{\"value\":0,\"group\":0}", Op.Type.OK, "{\"value\":0,\"group\":0}", null)
        .op(1, "purge", "purge/g0/", "{\"group\":0,\"by\":\"tag\"}", Op.Type.OK, "{\"group\":0,\"by\":\"tag\"}", null);
    CheckResult p = new PurgeChecker().check(convergenceRead(scan(purge, "[]"), "purge/").build());
    assertEquals(Verdict.VALID, p.verdict(), p.summary());
  }
}
