package io.edgekv.sim;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.gossip.Shipper;
import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One deterministic simulation run (docs/simulation.md): regions of PoPs running the production
 * cross-region replication code (shipper, applier, anti-entropy, HLC) against a simulated clock,
 * network and scheduler, on one thread, from one seed. The run drives a random workload under
 * the default fault schedule for the given duration, heals every fault, waits for the PoPs to
 * converge, then checks the invariants ({@link Checkers}) and measures the figures
 * ({@link SimResult}). Everything that happens feeds the trace digest: the same seed gives the
 * same digest.
 */
public final class Simulation {
  private static final long CHECK_EVERY_MILLIS = 1_000;
  private static final long SAMPLE_EVERY_MILLIS = 10_000;

  private final SimOptions options;
  private final SimLoop loop = new SimLoop();
  private final SplittableRandom random;
  private final Traffic traffic = new Traffic();
  private final BatchCauses batchCauses;
  private final History history;
  private final Geography geography;
  private final SimNetwork network;
  private final List<SimRegion> regions = new ArrayList<>();
  private final Map<String, SimRegion> regionByName = new HashMap<>();
  private final List<SimPop> pops = new ArrayList<>();
  private final Map<String, SimPop> popById = new HashMap<>();
  private final Map<Shared, byte[]> shared = new HashMap<>();
  private final List<long[]> tombstones = new ArrayList<>();
  private final SplittableRandom workloadRandom;
  private final SplittableRandom faultRandom;
  long clockRefusals;

  private Simulation(SimOptions options) {
    this.options = options;
    SplittableRandom root = new SplittableRandom(options.seed());
    this.random = root.split();
    this.history = new History(options.regions());
    this.batchCauses = new BatchCauses(this, options.regions());
    this.geography = new Geography(options.regions());
    this.network = new SimNetwork(loop, root.split(), geography, traffic, options.regions(), SimNetwork.Faults.NONE);
    List<String> names = geography.names();
    for (int r = 0; r < options.regions(); r++) {
      SimRegion region = new SimRegion(this, names.get(r), r, root.split());
      regions.add(region);
      regionByName.put(region.name(), region);
      for (int p = 0; p < options.popsPerRegion(); p++) {
        SimPop pop = new SimPop(this, region, region.name() + "-" + p, new SimClock(loop, 0, 0));
        region.add(pop);
        pops.add(pop);
        popById.put(pop.id(), pop);
      }
    }
    this.workloadRandom = root.split();
    this.faultRandom = root.split();
  }

  /** Runs one simulation to the end and returns its figures and verdicts. */
  public static SimResult run(SimOptions options) {
    options.validate();
    long wallStart = System.nanoTime();
    Simulation sim = new Simulation(options);
    return sim.execute(wallStart);
  }

  private SimResult execute(long wallStart) {
    regions.forEach(SimRegion::start);
    Workload workload = new Workload(this, workloadRandom, options.durationMillis());
    workload.start();
    Faults faults = new Faults(this, faultRandom, options.durationMillis());
    if (options.faults()) {
      faults.start();
    }
    sampleEvery();
    loop.runUntil(options.durationMillis());
    faults.heal();
    long healStart = loop.now();
    long converged = -1;
    while (loop.now() - healStart < options.maxHealMillis()) {
      loop.runUntil(loop.now() + CHECK_EVERY_MILLIS);
      if (converged()) {
        converged = loop.now() - healStart;
        break;
      }
    }
    // One more gossip round after convergence, so answers in flight land before the checks.
    loop.runUntil(loop.now() + 2 * options.gossipIntervalMillis());
    Checkers checkers = new Checkers();
    checkers.run(this);
    loop.trace("final-state", checkers.stateDigest());
    checkers.verdicts().forEach((name, verdict) -> loop.trace(name, verdict));
    double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
    return SimResult.of(this, checkers, workload, faults, converged, wallSeconds);
  }

  private boolean converged() {
    Map<String, Long> first = null;
    for (SimPop pop : pops) {
      if (!pop.up() || pop.appliedIndex() < pop.simRegion().commitIndex()) {
        return false;
      }
      Map<String, Long> vv = pop.vector();
      if (first == null) {
        first = vv;
      } else if (!first.equals(vv)) {
        return false;
      }
    }
    for (SimRegion region : regions) {
      if (first.getOrDefault(region.name(), 0L) != ReplicationKeys.readSeq(region.pops().get(0).engine(),
          region.name())) {
        return false;
      }
    }
    return true;
  }

  private void sampleEvery() {
    loop.after(SAMPLE_EVERY_MILLIS, () -> {
      long total = 0;
      for (SimPop pop : pops) {
        long[] count = {0};
        pop.engine().tombstoneIndex.forEachFrom(null, (k, v) -> {
          count[0]++;
          return true;
        });
        total += count[0];
      }
      tombstones.add(new long[] {loop.now(), total / pops.size()});
      sampleEvery();
    });
  }

  /** The first application of a log entry in its region: records commits of client writes and arrivals of remote ones. */
  void firstApply(SimRegion region, SimPop pop, Proposal proposal, Applier.Outcome outcome, Map<String, Long> before,
      Map<String, Long> after) {
    Command command = proposal.command();
    CommandResult result = outcome.result();
    switch (command) {
      case Command.Put p -> local(region, pop, command, result, before, after);
      case Command.Delete d -> local(region, pop, command, result, before, after);
      case Command.Increment i -> local(region, pop, command, result, before, after);
      case Command.Purge p -> local(region, pop, command, result, before, after);
      case Command.ApplyRemote r -> arrivals(before, after);
      case Command.Repair r -> arrivals(before, after);
      default -> { }
    }
  }

  private void local(SimRegion region, SimPop pop, Command command, CommandResult result, Map<String, Long> before,
      Map<String, Long> after) {
    if (!result.hasApplied()) {
      return;
    }
    long was = before.getOrDefault(region.name(), 0L);
    long is = after.getOrDefault(region.name(), 0L);
    long seq = is > was ? is : 0;
    int payload = 0;
    if (seq > 0) {
      byte[] logged = pop.engine().replog.get(ReplicationKeys.logKey(region.name(), seq));
      payload = logged == null ? 0 : logged.length;
    }
    history.committed(region, loop.now(), command, result.getApplied().getVersion(), seq, payload);
  }

  private void arrivals(Map<String, Long> before, Map<String, Long> after) {
    after.forEach((origin, seq) -> {
      long was = before.getOrDefault(origin, 0L);
      if (seq > was) {
        history.arrived(origin, was + 1, seq, loop.now());
      }
    });
  }

  /** One copy of each distinct stored value of 256 bytes or more, shared by every PoP's engine. */
  byte[] share(byte[] value) {
    if (value.length < 256) {
      return value;
    }
    byte[] existing = shared.putIfAbsent(new Shared(value, Arrays.hashCode(value)), value);
    return existing != null ? existing : value;
  }

  /** A stored value as a map key: its hash computed once (vectorised), equal by content. */
  private record Shared(byte[] value, int hash) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Shared other && hash == other.hash && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  Shipper.Settings shipperSettings(String region) {
    List<String> others = regions.stream().map(SimRegion::name).filter(n -> !n.equals(region)).toList();
    long gossip = options.gossipIntervalMillis();
    // As EdgeKvNode configures it: batches cut at 512 mutations or about a value limit of bytes,
    // a 200 ms retry back-off, relays after 5 gossip rounds.
    return new Shipper.Settings(others, 512, 1 << 20, gossip, 200, 5 * gossip);
  }

  SimOptions options() {
    return options;
  }

  SimLoop loop() {
    return loop;
  }

  SplittableRandom random() {
    return random;
  }

  SimNetwork network() {
    return network;
  }

  Traffic traffic() {
    return traffic;
  }

  BatchCauses batchCauses() {
    return batchCauses;
  }

  History history() {
    return history;
  }

  /** Every region's name, in order (known before the regions are built). */
  List<String> regionNames() {
    return geography.names();
  }

  List<SimRegion> regions() {
    return regions;
  }

  SimRegion region(String name) {
    return regionByName.get(name);
  }

  List<SimPop> pops() {
    return pops;
  }

  SimPop pop(String id) {
    return popById.get(id);
  }

  List<long[]> tombstoneSamples() {
    return tombstones;
  }
}
