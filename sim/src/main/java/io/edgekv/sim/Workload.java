package io.edgekv.sim;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Clients: operations arrive at random times (exponential gaps, {@code writesPerSecond} on
 * average) at a random region: puts of {@code valueBytes} values with a tag (62%), deletes (10%),
 * counter increments and decrements (20%), purges by key, prefix and tag (1% each), and bursts in
 * which one hot key is written in several regions at the same instant (4%).
 */
final class Workload {
  private static final int GROUPS = 20;
  private static final int TAGS = 10;
  private static final int COUNTERS = 50;
  private static final int HOT_KEYS = 5;

  private final Simulation sim;
  private final SplittableRandom random;
  private final long until;
  long submitted;
  long refused;

  Workload(Simulation sim, SplittableRandom random, long until) {
    this.sim = sim;
    this.random = random;
    this.until = until;
  }

  void start() {
    scheduleNext();
  }

  private void scheduleNext() {
    double gap = -Math.log(1 - random.nextDouble()) * 1000 / sim.options().writesPerSecond();
    long at = sim.loop().now() + Math.max(1, Math.round(gap));
    if (at < until) {
      sim.loop().after(at - sim.loop().now(), () -> {
        operate();
        scheduleNext();
      });
    }
  }

  private void operate() {
    int regions = sim.regions().size();
    SimRegion region = sim.regions().get(random.nextInt(regions));
    int dice = random.nextInt(100);
    if (dice < 62) {
      submit(region, put(randomKey()));
    } else if (dice < 72) {
      submit(region, new Command.Delete("", bytes(randomKey()), WriteCondition.NONE));
    } else if (dice < 92) {
      long delta = random.nextInt(11) - 3;
      submit(region, new Command.Increment("", bytes("c/" + random.nextInt(COUNTERS)), delta == 0 ? 1 : delta));
    } else if (dice < 93) {
      submit(region, new Command.Purge("", new Command.PurgeSelector.Key(bytes(randomKey())), false, id()));
    } else if (dice < 94) {
      submit(region, new Command.Purge("", new Command.PurgeSelector.Prefix(bytes("k/" + random.nextInt(GROUPS) + "/")),
          false, id()));
    } else if (dice < 95) {
      submit(region, new Command.Purge("", new Command.PurgeSelector.Tag("t" + random.nextInt(TAGS)), false, id()));
    } else if (dice < 96) {
      submit(region, new Command.Purge("", new Command.PurgeSelector.Key(bytes("hot/" + random.nextInt(HOT_KEYS))),
          false, id()));
    } else {
      // A hot key written in several regions at once: concurrent writes that only the HLC orders.
      String key = "hot/" + random.nextInt(HOT_KEYS);
      int writers = Math.min(regions, 3 + random.nextInt(6));
      for (int i = 0; i < writers; i++) {
        submit(sim.regions().get(random.nextInt(regions)), put(key));
      }
    }
  }

  private String randomKey() {
    int keys = sim.options().keys();
    int n = random.nextInt(keys);
    return "k/" + (n % GROUPS) + "/" + n;
  }

  private Command.Put put(String key) {
    byte[] value = new byte[sim.options().valueBytes()];
    random.nextBytes(value);
    return new Command.Put("", bytes(key), value, Map.of("content-type", "application/octet-stream"),
        List.of("t" + random.nextInt(TAGS)), 0, 0, WriteCondition.NONE);
  }

  private String id() {
    return "purge-" + submitted;
  }

  private void submit(SimRegion region, Command command) {
    submitted++;
    region.submit(Proposal.unkeyed(command)).whenComplete((CommandResult result, Throwable error) -> {
      if (error != null) {
        refused++;
      } else if (result.hasApplied()) {
        sim.history().acked(result.getApplied().getVersion());
      }
    });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
