package io.edgekv.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.cluster.ContainerCluster;
import io.edgekv.chaos.report.IndexPage;
import io.edgekv.chaos.run.ChaosRun;
import io.edgekv.chaos.run.ClusterFactory;
import io.edgekv.chaos.run.ContainerClusters;
import io.edgekv.chaos.run.RunResult;
import io.edgekv.chaos.run.RunSpec;
import io.edgekv.chaos.run.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The container suite (chaos profile): one dynamic test per run of {@link Suite}, each on a fresh
 * cluster of containers (1 region x 3 nodes, or 3 regions x 1 node for the cross-region workloads). A normal run passes when every checker says valid;
 * a self-test passes when its checker reports the anomaly its unsafe switch causes.
 */
class ChaosSuiteIT {
  private static final Path OUTPUT = Path.of(System.getProperty("chaos.outputDir", "target/chaos"));
  private static final Path NODE_JAR = Path.of(System.getProperty("chaos.nodeJar",
      "../node/target/edgekv-node-0.1.0-SNAPSHOT-all.jar"));

  @BeforeAll
  static void removeLeftovers() throws Exception {
    Files.createDirectories(OUTPUT);
    ContainerCluster.removeLeftovers();
  }

  @AfterAll
  static void cleanUp() {
    ContainerCluster.removeLeftovers();
    IndexPage.write(OUTPUT);
  }

  @TestFactory
  Stream<DynamicTest> suite() {
    List<RunSpec> runs = Suite.fromProperties(System.getProperties());
    System.out.println("chaos suite: " + runs.size() + " runs, base seed " + runs.getFirst().seed());
    ClusterFactory containers = ContainerClusters.regional(NODE_JAR);
    return runs.stream().map(spec -> DynamicTest.dynamicTest(spec.id(), () -> {
      RunResult r = new ChaosRun(spec, OUTPUT).execute(containers);
      IndexPage.write(OUTPUT);
      assertTrue(r.passed(), () -> spec.id() + ": " + r.outcome() + " " + r.results() + " (replay: " + spec.replay() + ")");
    }));
  }
}
