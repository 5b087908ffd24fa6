package io.edgekv.chaos.nemesis;

import io.edgekv.chaos.cluster.FaultKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.Collections;

/**
 * A seeded fault schedule: windows of faults over the fault period, with quiet gaps between
 * them. The same seed, nemesis and node list give the same schedule.
 *
 * @param windows the fault windows, in time order, never overlapping
 */
public record Schedule(List<Window> windows) {

  /**
   * One fault window.
   *
   * @param startMillis when it starts, from the beginning of the run
   * @param durationMillis how long the faults last before they are healed
   * @param faults what goes wrong together
   */
  public record Window(long startMillis, long durationMillis, List<Fault> faults) {}

  /** The nemeses a run can ask for with {@code -Dchaos.nemesis}. */
  public enum Nemesis {
    /** {@code region}: cut a region from the others, or cut two regions and leave the third as relay. */
    NONE, PARTITION, KILL, PAUSE, CLOCK, REGION,
    /** {@code wan}: delay (20-150 ms each way) and loss (0-5 %) between some or all pairs of regions. */
    WAN, MIXED;

    public static Nemesis parse(String s) {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Schedule {
    windows = List.copyOf(windows);
  }

  /**
   * Generates a schedule.
   *
   * @param nemesis what kind of faults
   * @param seed the seed
   * @param faultMillis the length of the fault period
   * @param nodes node ids (of one region: partitions and kills aim at its Raft group)
   * @param supported the faults the cluster can inject; other kinds are skipped
   */
  public static Schedule generate(Nemesis nemesis, long seed, long faultMillis, List<String> nodes,
      Set<FaultKind> supported) {
    return generate(nemesis, seed, faultMillis, nodes, List.of(), supported);
  }

  /**
   * Generates a schedule for a cluster of several regions.
   *
   * @param regions the region names (region faults need at least 2; the relay fault 3); empty or
   *     one region: no region faults. Node faults still aim at {@code nodes}
   */
  public static Schedule generate(Nemesis nemesis, long seed, long faultMillis, List<String> nodes,
      List<String> regions, Set<FaultKind> supported) {
    Random random = new Random(seed ^ 0x5DEECE66DL);
    List<Window> out = new ArrayList<>();
    if (nemesis == Nemesis.NONE) {
      return new Schedule(out);
    }
    List<FaultKind> kinds = new ArrayList<>();
    switch (nemesis) {
      case PARTITION -> kinds.add(FaultKind.PARTITION);
      case KILL -> kinds.add(FaultKind.KILL);
      case PAUSE -> kinds.add(FaultKind.PAUSE);
      case CLOCK -> kinds.add(FaultKind.CLOCK);
      case REGION -> kinds.add(FaultKind.REGION_PARTITION);
      case WAN -> kinds.add(FaultKind.WAN);
      default -> {
        kinds.addAll(List.of(FaultKind.PARTITION, FaultKind.KILL, FaultKind.PAUSE, FaultKind.CLOCK));
        if (regions.size() >= 2) {
          // on several regions, region faults are the point: twice the weight of each node fault
          kinds.add(FaultKind.REGION_PARTITION);
          kinds.add(FaultKind.REGION_PARTITION);
          kinds.add(FaultKind.WAN);
        }
      }
    }
    kinds.retainAll(supported);
    if (regions.size() < 2) {
      kinds.remove(FaultKind.REGION_PARTITION);
      kinds.remove(FaultKind.WAN);
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("the cluster supports none of the faults of nemesis " + nemesis.key());
    }
    long t = 2_000 + random.nextInt(1_000);
    while (true) {
      long duration = 4_000 + random.nextInt(4_000);
      if (t + duration > faultMillis) {
        break;
      }
      List<Fault> faults = new ArrayList<>();
      FaultKind kind = kinds.get(random.nextInt(kinds.size()));
      if (kind == FaultKind.WAN) {
        faults.addAll(wanFaults(random, regions));
      } else {
        faults.add(fault(kind, random, nodes, regions));
      }
      // combinations: a clock jump on top of another fault, now and then
      if (nemesis == Nemesis.MIXED && kind != FaultKind.CLOCK && kinds.contains(FaultKind.CLOCK)
          && random.nextInt(4) == 0) {
        faults.add(fault(FaultKind.CLOCK, random, nodes, regions));
      }
      // on several regions, node and region faults often come with a slow, lossy WAN on top
      if (nemesis == Nemesis.MIXED && kind != FaultKind.WAN && kinds.contains(FaultKind.WAN)
          && random.nextInt(3) == 0) {
        faults.addAll(wanFaults(random, regions));
      }
      out.add(new Window(t, duration, faults));
      t += duration + 2_000 + random.nextInt(2_000);
    }
    return new Schedule(out);
  }

  private static Fault fault(FaultKind kind, Random random, List<String> nodes, List<String> regions) {
    String node = nodes.get(random.nextInt(nodes.size()));
    String target = random.nextBoolean() ? Fault.LEADER : node;
    return switch (kind) {
      case PARTITION -> {
        if (nodes.size() >= 3 && random.nextInt(3) == 0) {
          List<String> shuffled = new ArrayList<>(nodes);
          Collections.shuffle(shuffled, random);
          yield new Fault.Bridge(shuffled.get(0), shuffled.get(1), shuffled.get(2));
        }
        yield new Fault.Isolate(target);
      }
      case KILL -> new Fault.Kill(target);
      case PAUSE -> new Fault.Pause(target);
      case CLOCK -> {
        // mostly small skews (under the 500 ms max offset), sometimes large jumps either way. On
        // several regions the large jumps stay under 2 s: a region whose clock ran far ahead has its
        // replication refused by the others (timestamps beyond replication.maxClockOffset) until
        // real time catches up with its hybrid clock, i.e. for as long as the jump, longer than a
        // run's convergence wait (docs/chaos.md, "Known limits")
        long big = regions.size() >= 2 ? 1_000 + random.nextInt(1_000) : 5_000 + random.nextInt(55_000);
        long ms = random.nextInt(3) == 0 ? big : 50 + random.nextInt(950);
        yield new Fault.Skew(node, random.nextBoolean() ? ms : -ms);
      }
      case WAN -> wanFaults(random, regions).getFirst();
      case REGION_PARTITION -> {
        List<String> shuffled = new ArrayList<>(regions);
        Collections.shuffle(shuffled, random);
        if (regions.size() >= 3 && random.nextBoolean()) {
          yield new Fault.RegionRelay(shuffled.get(0), shuffled.get(1), shuffled.get(2));
        }
        yield new Fault.CutRegion(shuffled.get(0));
      }
    };
  }

  private static Fault.Wan wan(Random random, String a, String b) {
    int loss = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(5);
    return new Fault.Wan(a, b, 20 + random.nextInt(131), 20 + random.nextInt(131), loss);
  }

  /** Every pair of regions, or a random one, with WAN trouble. */
  private static List<Fault> wanFaults(Random random, List<String> regions) {
    List<Fault> out = new ArrayList<>();
    boolean all = random.nextBoolean();
    for (int i = 0; i < regions.size(); i++) {
      for (int j = i + 1; j < regions.size(); j++) {
        out.add(wan(random, regions.get(i), regions.get(j)));
      }
    }
    if (!all) {
      Fault one = out.get(random.nextInt(out.size()));
      out.clear();
      out.add(one);
    }
    return out;
  }

  /** When the last window ends. */
  public long endMillis() {
    return windows.isEmpty() ? 0 : windows.getLast().startMillis() + windows.getLast().durationMillis();
  }
}
