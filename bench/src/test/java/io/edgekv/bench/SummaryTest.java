package io.edgekv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SummaryTest {
  private static final Workload GET64 = new Workload(Workload.Kind.GET_LOCAL, 64, 100);
  private static final Workload PUT64 = new Workload(Workload.Kind.PUT_DURABLE, 64, 1024);

  /** A measurement of {@code ops} calls in 10 s, each taking {@code latencyMs}. */
  private static Measurement m(String system, Workload w, int round, long ops, double latencyMs, Map<String, Long> errors) {
    Histogram h = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    for (long i = 0; i < ops; i++) {
      h.recordValue((long) (latencyMs * 1e6));
    }
    return new Measurement(system, w, round, ops, 10.0, 2.0, 0, errors, h);
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(3.0, Summary.median(List.of(5.0, 1.0, 3.0)));
    assertEquals(2.5, Summary.median(List.of(4.0, 1.0, 2.0, 3.0)));
    assertTrue(Double.isNaN(Summary.median(List.of())));
  }

  @Test
  void ratioIsEdgeKvMedianOverAnchorMedian() {
    Summary s = new Summary(List.of(
        m("edgekv", GET64, 1, 1000, 1, Map.of()), m("edgekv", GET64, 2, 3000, 1, Map.of()),
        m("edgekv", GET64, 3, 2000, 1, Map.of()),
        m("redis", GET64, 1, 4000, 1, Map.of()), m("redis", GET64, 2, 4000, 1, Map.of()),
        m("redis", GET64, 3, 9000, 1, Map.of())));
    // medians: edgekv 200 ops/s, redis 400 ops/s
    assertEquals(Map.of("get-local-c64", 0.5), s.ratios());
  }

  @Test
  void measurementWithErrorsIsNoResultAndEntersNoRatio() {
    Measurement shed = m("edgekv", PUT64, 1, 5000, 1, Map.of("RESOURCE_EXHAUSTED", 3L));
    assertFalse(shed.isResult());
    assertTrue(shed.notAResultBecause().contains("RESOURCE_EXHAUSTED"));
    Summary s = new Summary(List.of(shed, m("etcd", PUT64, 1, 1000, 1, Map.of())));
    assertEquals(Map.of(), s.ratios());
    assertTrue(s.table().stream().anyMatch(l -> l.startsWith("not a result: edgekv put-durable-c64-1k")));
  }

  @Test
  void noSuccessfulCallIsNoResult() {
    Measurement none = m("edgekv", GET64, 1, 0, 1, Map.of());
    assertFalse(none.isResult());
    assertEquals("no call succeeded", none.notAResultBecause());
  }

  @Test
  void jsonRowCarriesTheFieldsTheIssueNames() {
    Map<String, Object> row = m("edgekv", PUT64, 2, 500, 4, Map.of()).json();
    assertEquals("edgekv", row.get("system"));
    assertEquals("put-durable-c64-1k", row.get("workload"));
    assertEquals(1024, row.get("valueBytes"));
    assertEquals(50.0, row.get("opsPerSec"));
    assertEquals(4.0, (Double) row.get("p50Ms"), 0.01);
    assertEquals(4.0, (Double) row.get("p99Ms"), 0.01);
    assertEquals(4.0, (Double) row.get("p999Ms"), 0.01);
    // 2 s of server CPU over 500 calls
    assertEquals(4000.0, row.get("cpuUsPerOp"));
    assertEquals(true, row.get("result"));
  }

  @Test
  void percentilesComeFromTheHistogram() {
    Histogram h = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1_000_000L); // 1..1000 ms
    }
    Measurement meas = new Measurement("redis", GET64, 1, 1000, 1.0, 0.01, 0, Map.of(), h);
    assertEquals(500, meas.percentileMs(50), 1);
    assertEquals(990, meas.percentileMs(99), 1);
    assertEquals(999, meas.percentileMs(99.9), 1);
    assertEquals(10.0, meas.cpuUsPerOp(), 1e-9);
  }

  @Test
  void workloadNamesFollowTheIssue() {
    assertEquals(List.of("get-local-c16", "get-local-c64", "put-durable-c64", "get-linearizable-c64"),
        Workload.standard(100).stream().map(Workload::name).toList());
    assertEquals("get-local-c64-1k", new Workload(Workload.Kind.GET_LOCAL, 64, 1024).name());
    assertEquals("etcd", Workload.Kind.GET_LINEARIZABLE.anchor());
    assertEquals("redis", Workload.Kind.GET_LOCAL.anchor());
  }
}
