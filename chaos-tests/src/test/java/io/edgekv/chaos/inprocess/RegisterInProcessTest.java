package io.edgekv.chaos.inprocess;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.checker.Verdict;
import io.edgekv.chaos.nemesis.Schedule;
import io.edgekv.chaos.run.ChaosRun;
import io.edgekv.chaos.run.RunResult;
import io.edgekv.chaos.run.RunSpec;
import io.edgekv.chaos.workload.Workload;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One suite, two runners: the register scenario of the chaos suite, against the in-process
 * cluster with nodes stopped and restarted and clocks skewed, judged by the same checkers
 * (linearizability and convergence). Short, so it runs in the normal build without Docker.
 */
class RegisterInProcessTest {
  @Test
  void registerStaysLinearizableWhileNodesRestart() {
    RunSpec spec = new RunSpec("inprocess-register-mixed", Workload.Kind.REGISTER, Schedule.Nemesis.MIXED, 12, 3,
        20260101L, List.of(), null);
    RunResult r = new ChaosRun(spec, Path.of("target", "chaos-inprocess")).execute((s, dir) -> new InProcessCluster());
    assertTrue(r.verdict() == Verdict.VALID, () -> "checkers: " + r.results());
  }
}
