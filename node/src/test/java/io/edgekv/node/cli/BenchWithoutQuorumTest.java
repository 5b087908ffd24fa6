package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.node.testing.MiniKvCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench is a load generator: errors are counted and the load goes on until its duration ends. */
class BenchWithoutQuorumTest {
  private static final byte[] NO_INPUT = new byte[0];

  @SuppressWarnings("unchecked")
  private static long errorCount(Map<String, Object> json) {
    return ((Map<String, Number>) json.get("errors")).values().stream().mapToLong(Number::longValue).sum();
  }

  @Test
  void benchAgainstARegionWithoutQuorumRunsItsWholeDurationAndCountsTheErrors() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().start()) {
      cluster.kill(1);
      cluster.kill(2);
      String endpoint = cluster.publicAddress(0);

      long start = System.nanoTime();
      CliRun storm = CliRun.against(endpoint, NO_INPUT, "bench", "--no-preload", "--read-ratio", "0",
          "--concurrency", "16", "--duration", "2s", "--timeout", "500ms", "--json");
      Duration stormTook = Duration.ofNanos(System.nanoTime() - start);

      assertTrue(stormTook.compareTo(Duration.ofSeconds(2)) >= 0, "the storm ended after " + stormTook + ": " + storm);
      assertTrue(storm.stderr().lines().noneMatch(l -> l.contains("preloading")), storm.toString());
      Map<String, Object> json = storm.json();
      assertTrue(((Number) json.get("elapsedMs")).longValue() >= 2000, storm.toString());
      assertTrue(errorCount(json) > 16, "more than one failed call per worker: " + storm);
      assertNotEquals(0, storm.exitCode(), "every call failed: " + storm);

      start = System.nanoTime();
      CliRun preloaded = CliRun.against(endpoint, NO_INPUT, "bench", "--keys", "4", "--concurrency", "2",
          "--duration", "1s", "--timeout", "300ms", "--json");
      Duration preloadedTook = Duration.ofNanos(System.nanoTime() - start);

      assertTrue(preloaded.stderr().contains("preload: 4 of 4 puts failed"), preloaded.toString());
      assertTrue(((Number) preloaded.json().get("elapsedMs")).longValue() >= 1000, preloaded.toString());
      assertTrue(preloadedTook.compareTo(Duration.ofSeconds(1)) >= 0, preloaded.toString());
      assertTrue(errorCount(preloaded.json()) > 2, "failed writes of the run are counted: " + preloaded);
    }
  }
}
