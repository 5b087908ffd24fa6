package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.node.testing.MiniKvCluster;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Numbers at their limits through the command line, against a real node: refused (exit 3), never wrapped. */
class KvLimitsCommandTest {
  private static final byte[] NO_INPUT = new byte[0];
  private static MiniKvCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().nodesPerRegion(1).start();
    cluster.awaitLeaders(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static CliRun edgekv(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--timeout";
    all[1] = "30s";
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRun.against(cluster.publicAddress(0), NO_INPUT, all);
  }

  @Test
  void incrPastTheLargestCounterExitsThreeWithOutOfRangeAndTheCounterKeepsItsValue() {
    CliRun max = edgekv("kv", "incr", "ctr", "9223372036854775807");
    CliRun over = edgekv("kv", "incr", "ctr", "1");
    CliRun get = edgekv("kv", "get", "ctr", "--consistency", "strong");

    assertEquals(0, max.exitCode(), max.toString());
    assertEquals("9223372036854775807\n", max.stdout());
    assertEquals(3, over.exitCode(), over.toString());
    over.assertOneErrorLine("error: OUT_OF_RANGE: ");
    assertTrue(over.stderr().contains("9223372036854775807"), over.stderr());
    assertEquals("", over.stdout());
    assertEquals("9223372036854775807\n", get.stdout(), get.toString());
  }

  @Test
  void aTtlPastTheLimitExitsThreeNamingTtlAndTheOldValueStays() {
    assertEquals(0, edgekv("kv", "put", "ttl-key", "old").exitCode());

    CliRun put = edgekv("kv", "put", "ttl-key", "new", "--ttl", "9223372036854775807ms");
    CliRun touch = edgekv("kv", "touch", "ttl-key", "--ttl", "9223372036854775807ms");
    CliRun get = edgekv("kv", "get", "ttl-key", "--consistency", "strong", "--json");

    for (CliRun refused : new CliRun[] {put, touch}) {
      assertEquals(3, refused.exitCode(), refused.toString());
      refused.assertOneErrorLine("error: INVALID_ARGUMENT: ttl_ms");
      assertTrue(refused.stderr().contains("315360000000"), refused.stderr());
    }
    assertEquals("old", get.json().get("value"), get.toString());
    assertEquals(null, get.json().get("expiresAt"), get.toString());
  }
}
