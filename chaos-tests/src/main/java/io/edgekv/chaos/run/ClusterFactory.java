package io.edgekv.chaos.run;

import io.edgekv.chaos.cluster.Cluster;
import java.nio.file.Path;

/** Starts a fresh cluster for one run (containers, or in-process in tests). */
@FunctionalInterface
public interface ClusterFactory {
  Cluster start(RunSpec spec, Path runDir);
}
