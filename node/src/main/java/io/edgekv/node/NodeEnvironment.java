package io.edgekv.node;

import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.replication.storage.DiskSpace;
import java.time.Clock;
import java.util.Objects;

/**
 * What a node takes from around it besides its configuration: the clock, how it reads the free
 * space of its data directory, and the unsafe test switches. The command line gives the real
 * ones (switches from the process environment, refused unless explicitly allowed); a test fixture
 * gives its own per node, so nodes of one JVM can differ.
 *
 * @param clock the wall clock behind the node's hybrid logical clock
 * @param freeSpace where the data directory's free space is read (a test simulates a full disk)
 * @param unsafe deliberate bugs for the chaos harness's self-tests; {@link UnsafeSwitches#NONE}
 *     on every real node
 */
public record NodeEnvironment(Clock clock, DiskSpace.Probe freeSpace, UnsafeSwitches unsafe) {

  public NodeEnvironment {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(freeSpace, "freeSpace");
    Objects.requireNonNull(unsafe, "unsafe");
  }

  /** The real disk and no unsafe switch, on {@code clock}. */
  public static NodeEnvironment of(Clock clock) {
    return new NodeEnvironment(clock, DiskSpace.FILE_STORE, UnsafeSwitches.NONE);
  }

  public NodeEnvironment withFreeSpace(DiskSpace.Probe probe) {
    return new NodeEnvironment(clock, probe, unsafe);
  }

  public NodeEnvironment withUnsafe(UnsafeSwitches switches) {
    return new NodeEnvironment(clock, freeSpace, switches);
  }
}
