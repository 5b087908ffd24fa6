package io.edgekv.chaos.run;

import io.edgekv.chaos.cluster.ContainerCluster;
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
  private ContainerClusters() {}

  public static ClusterFactory regional(Path nodeJar) {
    return (spec, runDir) -> {
      Map<String, String> env = new LinkedHashMap<>();
      if (!spec.unsafeSwitches().isEmpty()) {
        env.put("EDGEKV_UNSAFE_TEST_SWITCHES", String.join(",", spec.unsafeSwitches()));
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
      }
      return ContainerCluster.start(shape.withEnv(env).withFakeTime(fakeTime));
    };
  }
}
