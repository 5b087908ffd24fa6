package io.edgekv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class HarnessPartsTest {

  @Test
  void procStatTicksAreUtimePlusStimeAfterTheCommandName() {
    String stat = "4242 (java (edgekv) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1500 250 0 0 20 0 30 0 123 0 0";
    assertEquals(1750, ProcCpu.ticksOf(stat));
    assertThrows(IllegalArgumentException.class, () -> ProcCpu.ticksOf("garbage"));
  }

  @Test
  void processOwnCpuIsReadable() {
    long ticks = ProcCpu.ticks(List.of(ProcessHandle.current().pid()));
    assertTrue(ticks > 0, "this JVM has used CPU: " + ticks);
  }

  @Test
  void optionsDefaultsAndRefusals() {
    CompareOptions o = CompareOptions.parse(new String[] {"--rounds", "1", "--base-port", "26500", "--json", "--profile"});
    assertEquals(1, o.rounds());
    assertEquals(26500, o.basePort());
    assertEquals(List.of(100, 1024), o.valueSizes());
    assertEquals(100_000, o.keys());
    assertTrue(o.json());
    assertTrue(o.profile());
    assertTrue(o.coalesce(), "coalescing is on unless --no-coalesce");
    assertEquals(2L * 100_000 * (1024 + 256), o.dataSetBytes(), "each node's block cache holds the largest data set");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CompareOptions.parse(new String[] {"--base-port", "65200"}));
    assertTrue(e.getMessage().contains("--base-port"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse(new String[] {"--rounds", "x"}));
    assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse(new String[] {"--bogus", "1"}));
  }

  @Test
  void loadGeneratorAnswerBecomesAMeasurement() throws Exception {
    Histogram h = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    h.recordValue(2_000_000);
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buffer);
    String answer = new ObjectMapper().writeValueAsString(Map.of("ops", 1, "elapsedNanos", 2_000_000_000L,
        "cpuTicks", 50, "misses", 0, "errors", Map.of("UNAVAILABLE", 2),
        "histogram", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), n))));
    JsonNode json = new ObjectMapper().readTree(answer);
    Measurement m = LoadRunner.measurement("edgekv", new Workload(Workload.Kind.GET_LOCAL, 16, 100), 1, json, 100);
    assertEquals(0.5, m.opsPerSec(), 1e-9);
    assertEquals(500_000, m.cpuUsPerOp(), 1e-6); // 0.5 s of CPU for one call
    assertEquals(2.0, m.percentileMs(50), 0.01);
    assertEquals(Map.of("UNAVAILABLE", 2L), m.errors());
  }

  @Test
  void closedLoopKeepsItsCallsInFlightAndCountsFailuresApart() throws Exception {
    AtomicLong calls = new AtomicLong();
    ClosedLoop loop = new ClosedLoop(i -> {
      long n = calls.incrementAndGet();
      if (n % 10 == 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("RESOURCE_EXHAUSTED"));
      }
      // completes on another thread, as a network client does
      return CompletableFuture.supplyAsync(() -> i % 2 == 0);
    }, 8, 100, Throwable::getMessage);
    ClosedLoop.Outcome o = loop.run(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofSeconds(5), () -> 0);
    long failed = o.errors().getOrDefault("RESOURCE_EXHAUSTED", 0L);
    assertTrue(failed > 0, "failures counted: " + o.errors());
    assertTrue(o.latencyNanos().getTotalCount() > failed, "successes recorded apart: " + o.latencyNanos().getTotalCount());
    assertTrue(o.misses() > 0 && o.misses() < o.latencyNanos().getTotalCount(), "misses are found=false answers");
  }

  @Test
  void plotHasOneLinePerSystem() {
    Histogram a = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    Histogram b = new Histogram(ClosedLoop.MAX_LATENCY_NANOS, 3);
    for (int i = 1; i <= 10_000; i++) {
      a.recordValue(i * 1000L);
      b.recordValue(i * 3000L);
    }
    String svg = PercentilePlot.svg("get-local-c64 <test>", Map.of("edgekv", a, "redis", b));
    assertTrue(svg.startsWith("<svg"));
    assertEquals(2, svg.split("<polyline").length - 1);
    assertTrue(svg.contains("&lt;test&gt;"));
    List<double[]> points = PercentilePlot.points(a);
    assertTrue(points.get(points.size() - 1)[1] >= 9.9, "the line reaches the maximum (10 ms)");
  }

  @Test
  void profileAreasFollowTheTopFramesPackage() {
    assertEquals("gRPC/Netty", ProfileSummary.area("io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoop.run"));
    assertEquals("Ratis (its gRPC/Netty)", ProfileSummary.area("org.apache.ratis.thirdparty.io.netty.buffer.X.y"));
    assertEquals("protobuf", ProfileSummary.area("org.apache.ratis.thirdparty.com.google.protobuf.X.y"));
    assertEquals("Ratis", ProfileSummary.area("org.apache.ratis.server.impl.RaftServerImpl.submit"));
    assertEquals("RocksDB (JNI)", ProfileSummary.area("org.rocksdb.RocksDB.get"));
    assertEquals("EdgeKV", ProfileSummary.area("io.edgekv.node.api.KvServiceImpl.get"));
    assertEquals("other", ProfileSummary.area("com.example.X.y"));
  }
}
