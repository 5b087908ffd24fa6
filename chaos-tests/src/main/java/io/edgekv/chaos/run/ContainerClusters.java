package io.edgekv.chaos.run;

import io.edgekv.chaos.cluster.ContainerCluster;
import io.edgekv.chaos.cluster.LazyFs;
import io.edgekv.chaos.nemesis.Schedule;
import java.util.List;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.nio.file.Files;

/**
 * Starts each run's cluster as containers: 1 region x 3 nodes for the regional workloads, 3
 * regions x 1 node for the cross-region ones ({@code Workload.Kind#crossRegion()}), unsafe
 * switches passed to the nodes. libfaketime is preloaded for the clock nemesis unless
 * {@code -Dchaos.clock=off} (see {@link ContainerCluster.Settings#fakeTime()}).
 */
public final class ContainerClusters {
  /** The self-test switch of the power-loss file system: fsync acknowledged, nothing persisted. */
  public static final String SKIP_FSYNC = "skip-fsync";

  private ContainerClusters() {}

  public static ClusterFactory regional(Path nodeJar) {
    return (spec, runDir) -> {
      Map<String, String> env = new LinkedHashMap<>();
      // skip-fsync is the power-loss file system's switch (fsync acknowledged, nothing persisted),
      // the others are the node's own (UnsafeSwitches)
      List<String> nodeSwitches = spec.unsafeSwitches().stream().filter(s -> !SKIP_FSYNC.equals(s)).toList();
      if (!nodeSwitches.isEmpty()) {
        env.put("EDGEKV_UNSAFE_TEST_SWITCHES", String.join(",", nodeSwitches));
        env.put("EDGEKV_ALLOW_UNSAFE_TEST_SWITCHES", "1");
      }
      // libfaketime in every node (clock nemesis) unless -Dchaos.clock=off
      boolean fakeTime = !"off".equals(System.getProperty("chaos.clock", "").trim());
      if (fakeTime && !Files.isRegularFile(Path.of(ContainerCluster.FAKETIME_LIB))) {
        // without the library the preload would be ignored and clock faults silently do nothing
        throw new IllegalStateException("libfaketime is missing (" + ContainerCluster.FAKETIME_LIB
            + "): install the faketime package, or run with -Dchaos.clock=off");
      }
      ContainerCluster.Settings shape = spec.workload().crossRegion()
          ? ContainerCluster.Settings.crossRegion(nodeJar, runDir)
          : ContainerCluster.Settings.regional(nodeJar, runDir);
      if (spec.nodesPerRegion() > 0) {
        shape = shape.withNodesPerRegion(spec.nodesPerRegion());
      } else if (spec.nemesis() == Schedule.Nemesis.RING && !spec.workload().crossRegion()) {
        shape = shape.withNodesPerRegion(5); // a majorities ring of 3 is no partition at all
      }
      // the power-loss file system where power losses can happen (a kill on it loses unsynced data)
      boolean lazy = spec.nemesis() == Schedule.Nemesis.POWER_LOSS || spec.nemesis() == Schedule.Nemesis.MIXED
          || spec.unsafeSwitches().contains(SKIP_FSYNC);
      LazyFs.Disk disk = !lazy ? LazyFs.Disk.LAYER
          : spec.unsafeSwitches().contains(SKIP_FSYNC) ? LazyFs.Disk.LAZY_IGNORE_FSYNC : LazyFs.Disk.LAZY;
      shape = shape.withDisk(disk, spec.workload().shards());
      // the membership nemesis grows the region by a spare node started to join, and shrinks it again
      shape = shape.withSpare(spec.nemesis() == Schedule.Nemesis.MEMBERSHIP);
      return ContainerCluster.start(shape.withEnv(env).withFakeTime(fakeTime));
    };
  }
}
