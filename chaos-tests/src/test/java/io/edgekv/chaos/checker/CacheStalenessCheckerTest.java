package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-made histories with explicit times (ms since the run began). */
class CacheStalenessCheckerTest {
  private static final String K = "cache/k0";
  private final List<Op> ops = new ArrayList<>();

  private CacheStalenessCheckerTest at(long ms, int process, Op.Type type, String f, String value, String consistency) {
    ops.add(new Op(ops.size(), ms * 1_000_000, process, type, f, type == Op.Type.INVOKE || f.equals("read") ? K : K,
        value == null ? null : Histories.json(value), "n1", "eu-west", false, consistency, null));
    return this;
  }

  private CacheStalenessCheckerTest write(long invokeMs, long ackMs, long v, Op.Type outcome) {
    at(invokeMs, 0, Op.Type.INVOKE, "write", "{\"value\":" + v + "}", null);
    return at(ackMs, 0, outcome, "write", "{\"value\":" + v + "}", null);
  }

  private CacheStalenessCheckerTest read(long atMs, Long v) {
    at(atMs, 1, Op.Type.INVOKE, "read", null, "NEAR");
    return at(atMs + 1, 1, Op.Type.OK, "read", "{\"value\":" + v + "}", "NEAR");
  }

  private CacheStalenessCheckerTest heal(long ms) {
    ops.add(new Op(ops.size(), ms * 1_000_000, Op.NEMESIS, Op.Type.INFO, "heal", null, null, null, null, false, null,
        null));
    return this;
  }

  private CheckResult check(boolean strict) {
    return new CacheStalenessChecker(Duration.ofMillis(1_000), Duration.ofMillis(1_000), Duration.ofMillis(2_000),
        strict).check(new History(ops));
  }

  @Test
  void freshReadsAfterHealAreValid() {
    write(0, 10, 1, Op.Type.OK).heal(100).write(3_000, 3_010, 2, Op.Type.OK)
        .read(3_500, 1L) // 2 acknowledged only 490 ms before: within the bound
        .read(5_000, 2L).read(6_000, 2L);
    CheckResult r = check(false);
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
  }

  @Test
  void staleReadAfterHealIsInvalid() {
    write(0, 10, 1, Op.Type.OK).heal(100).write(3_000, 3_010, 2, Op.Type.OK).read(4_500, 1L);
    CheckResult r = check(false);
    assertEquals(Verdict.INVALID, r.verdict(), r.summary());
    assertEquals("stale-read", r.anomalies().getFirst().path("kind").asText());
    assertTrue(r.anomalies().getFirst().path("message").asText().contains("1490 ms"), r.anomalies().toString());
  }

  @Test
  void aMissAfterAnAcknowledgedWriteIsStale() {
    write(0, 10, 1, Op.Type.OK).heal(100).read(3_000, null);
    assertEquals(Verdict.INVALID, check(false).verdict());
  }

  @Test
  void staleDuringFaultsIsReportedAndOnlyFailsWhenStrict() {
    write(0, 10, 1, Op.Type.OK).write(20, 30, 2, Op.Type.OK).read(5_000, 1L).heal(6_000).read(9_000, 2L);
    CheckResult lenient = check(false);
    assertEquals(Verdict.VALID, lenient.verdict(), lenient.summary());
    assertEquals(1L, lenient.stats().get("staleDuringFaults"));
    assertEquals(Verdict.INVALID, check(true).verdict());
  }

  @Test
  void aValueOfAWriteOfUnknownOutcomeIsNotJudged() {
    write(0, 10, 1, Op.Type.INFO).write(20, 30, 2, Op.Type.OK).heal(100).read(5_000, 1L).read(5_100, 2L);
    CheckResult r = check(false);
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
    assertEquals(1L, r.stats().get("notJudged"));
  }

  @Test
  void noReadAfterHealIsUnknown() {
    write(0, 10, 1, Op.Type.OK).read(50, 1L).heal(100);
    assertEquals(Verdict.UNKNOWN, check(false).verdict());
  }
}
