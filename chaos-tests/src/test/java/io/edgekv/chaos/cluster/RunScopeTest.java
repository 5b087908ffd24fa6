package io.edgekv.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RunScopeTest {
  @Test
  void everyClusterHasNamesOfItsOwn() {
    RunScope a = RunScope.next();
    RunScope b = RunScope.next();
    assertNotEquals(a.tag(), b.tag());
    assertNotEquals(a.containerName("n1"), b.containerName("n1"));
    assertNotEquals(a.networkName("eu-west"), b.networkName("eu-west"));
    assertEquals(a.tag(), a.labels().get(RunScope.LABEL));
    assertEquals(RunScope.currentOwner(), a.labels().get(RunScope.OWNER_LABEL));
  }

  @Test
  void subnetsInUseAreNotHandedOut() {
    assertEquals(40, RunScope.freeSubnets(List.of("172.17.0.0/16", "fd00::/64"), 1, Set.of()));
    // another run's region and a legacy run's network: the next free one
    assertEquals(42, RunScope.freeSubnets(List.of("172.29.40.0/24", "172.29.41.0/24"), 1, Set.of()));
    // three regions need three consecutive free subnets
    assertEquals(44, RunScope.freeSubnets(List.of("172.29.40.0/24", "172.29.43.0/24"), 3, Set.of()));
    // a wider network covers many
    assertEquals(48, RunScope.freeSubnets(List.of("172.29.40.0/21"), 1, Set.of()));
    // a base another run took meanwhile is skipped
    assertEquals(41, RunScope.freeSubnets(List.of(), 1, Set.of(40)));
    assertThrows(IllegalStateException.class, () -> RunScope.freeSubnets(List.of("172.29.0.0/16"), 1, Set.of()));
  }

  /**
   * The regression: a suite starting beside another one removed the other one's nodes (every
   * labelled container) and put its own at the same names and addresses.
   */
  @Test
  void leftoversOfARunStillGoingStay() throws IOException, InterruptedException {
    assertFalse(RunScope.removable(Map.of(RunScope.LABEL, "c1", RunScope.OWNER_LABEL, RunScope.currentOwner())),
        "this JVM's cluster is removed by its close, never as a leftover");
    // another run's JVM, as far as the labels go: a process that runs until it is ended
    Process other = new ProcessBuilder("sleep", "600").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String owner = other.pid() + "@" + other.info().startInstant().orElseThrow().toEpochMilli();
    try {
      assertFalse(RunScope.removable(Map.of(RunScope.LABEL, "c2", RunScope.OWNER_LABEL, owner)),
          "a cluster of another run that still goes stays");
    } finally {
      other.destroy();
    }
    assertTrue(other.waitFor(60, TimeUnit.SECONDS));
    assertTrue(RunScope.removable(Map.of(RunScope.LABEL, "c2", RunScope.OWNER_LABEL, owner)),
        "a cluster whose JVM ended is a leftover");
    assertFalse(RunScope.removable(Map.of(RunScope.LABEL, "true")), "an older harness' container may be in use");
    assertFalse(RunScope.ownerRuns("999999999@1"));
    assertTrue(RunScope.ownerRuns(RunScope.currentOwner()));
    // the same pid, started at another time: a reused pid is not the owner
    assertFalse(RunScope.ownerRuns(ProcessHandle.current().pid() + "@1"));
  }
}
