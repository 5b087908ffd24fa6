package io.edgekv.chaos.run;

import io.edgekv.chaos.nemesis.Schedule;
import io.edgekv.chaos.workload.Workload;
import java.util.List;

/**
 * One run of the suite.
 *
 * @param id the run's directory name under the output directory
 * @param workload what the clients do
 * @param nemesis what faults, on a schedule generated from {@code seed}
 * @param faultSeconds length of the fault period (heal and recovery come on top)
 * @param recoverySeconds how long the clients keep going after the final heal
 * @param seed seeds the schedule and every process's generator
 * @param unsafeSwitches node switches that break consistency on purpose (self-tests); empty normally
 * @param expectInvalid for a self-test, the checker that must report the anomaly; null otherwise
 * @param nodesPerRegion nodes in each region; 0 for the workload's default shape (1 region x 3
 *     nodes, or 3 regions x 1 node for the cross-region workloads)
 */
public record RunSpec(String id, Workload.Kind workload, Schedule.Nemesis nemesis, int faultSeconds,
    int recoverySeconds, long seed, List<String> unsafeSwitches, String expectInvalid, int nodesPerRegion) {

  public RunSpec {
    unsafeSwitches = List.copyOf(unsafeSwitches);
  }

  /** A run on the workload's default shape. */
  public RunSpec(String id, Workload.Kind workload, Schedule.Nemesis nemesis, int faultSeconds, int recoverySeconds,
      long seed, List<String> unsafeSwitches, String expectInvalid) {
    this(id, workload, nemesis, faultSeconds, recoverySeconds, seed, unsafeSwitches, expectInvalid, 0);
  }

  public boolean selfTest() {
    return expectInvalid != null;
  }

  /** The system properties that replay this run alone. */
  public String replay() {
    return "-Dchaos.workload=" + workload.key() + " -Dchaos.nemesis=" + nemesis.key() + " -Dchaos.time=" + faultSeconds
        + " -Dchaos.seed=" + seed + (unsafeSwitches.isEmpty() ? "" : " -Dchaos.unsafe=" + String.join(",", unsafeSwitches))
        + (nodesPerRegion > 0 ? " -Dchaos.nodesPerRegion=" + nodesPerRegion : "");
  }
}
