package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code edgekv sim}: JSON keys, replay, the failing seed's replay command, usage errors. */
class SimCommandTest {
  private static final String[] SMALL = {"sim", "--regions", "3", "--pops-per-region", "2",
      "--writes-per-second", "20", "--value-bytes", "128"};

  private static CliRun sim(String... more) {
    String[] args = new String[SMALL.length + more.length];
    System.arraycopy(SMALL, 0, args, 0, SMALL.length);
    System.arraycopy(more, 0, args, SMALL.length, more.length);
    return CliRun.run(Map.of(), new byte[0], args);
  }

  @Test
  void jsonRunHasTheFiguresAndReplaysToTheSameDigest() {
    CliRun first = sim("--seed", "3", "--duration", "5s", "--json");
    assertEquals(0, first.exitCode(), first.toString());
    Map<String, Object> json = first.json();
    for (String key : new String[] {"seed", "pops", "simulatedSeconds", "wallSeconds", "propagationP99Ms",
        "bytesPerWriteRatio", "digest", "checkers"}) {
      assertTrue(json.containsKey(key), "JSON has " + key + ": " + json);
    }
    assertEquals(6, ((Number) json.get("pops")).intValue());
    CliRun again = sim("--seed", "3", "--duration", "5s", "--json");
    assertEquals(json.get("digest"), again.json().get("digest"));
  }

  @Test
  void aBrokenMergeFailsWithTheCommandThatReplaysIt() {
    CliRun run = sim("--seeds", "1..20", "--unsafe", "lww-ignore-hlc", "--duration", "20s");
    assertEquals(ExitCodes.INTERNAL, run.exitCode(), run.toString());
    assertTrue(run.stderr().matches("(?s).*replay with: \\./edgekv sim .*--seed \\d+ .*--unsafe lww-ignore-hlc.*"),
        run.stderr());
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertEquals(ExitCodes.USAGE, sim("--seeds", "5..1").exitCode());
    assertEquals(ExitCodes.USAGE, sim("--unsafe", "something-else").exitCode());
    assertEquals(ExitCodes.USAGE, sim("--duration", "soon").exitCode());
    CliRun run = CliRun.run(Map.of(), new byte[0], "sim", "--regions", "1");
    assertEquals(ExitCodes.USAGE, run.exitCode());
    run.assertOneErrorLine("error: USAGE: --regions must be 2 to 100");
  }
}
