package io.edgekv.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of one run: the checkers' verdicts, the figures and the trace digest.
 *
 * @param simulatedSeconds the workload's duration plus the time the healed system took to converge
 * @param propagationP99Ms from a write's commit in its region to its arrival in the last other region
 * @param bytesPerWriteRatio bytes PoPs sent between regions over {@code (regions - 1) x payload} summed over writes
 * @param bytesByCause every counted byte once, by why it was sent: batch mutations by cause
 *     ({@link BatchCauses}), batch framing, gossip, answers, anti-entropy, errors; plus
 *     {@code alreadyThere}, the batch bytes the receiving region already had (a subset, not added)
 * @param antiEntropyAfterPartitionBytes anti-entropy bytes sent after the long partition ended
 * @param tombstones (simulated ms, mean tombstones per PoP) samples
 */
public record SimResult(long seed, int regions, int pops, double simulatedSeconds, double wallSeconds,
    long submitted, long committed, long acked, double propagationP50Ms, double propagationP99Ms,
    double propagationMaxMs, long unpropagated, double bytesPerWriteRatio, long replicationBytes, long idealBytes,
    Map<String, Long> bytesByKind, Map<String, Long> bytesByCause, Map<String, Long> messagesByKind, long antiEntropyAfterPartitionBytes,
    String longPartitionRegion, double convergedAfterHealSeconds, long events, long clockRefusals, long partitions,
    long crashes, long clockJumps, List<long[]> tombstones, Map<String, long[]> trafficSeries, long[] propagation,
    String digest, String stateDigest, Map<String, String> checkers, List<String> failures) {

  static SimResult of(Simulation sim, Checkers checkers, Workload workload, Faults faults, long convergedMillis,
      double wallSeconds) {
    History h = sim.history();
    Traffic t = sim.traffic();
    long[] delays = h.propagationDelays();
    Map<String, Long> bytes = new LinkedHashMap<>();
    Map<String, Long> messages = new LinkedHashMap<>();
    Map<String, long[]> series = new LinkedHashMap<>();
    for (Traffic.Kind kind : Traffic.Kind.values()) {
      bytes.put(kind.name().toLowerCase(Locale.ROOT), t.bytes(kind));
      messages.put(kind.name().toLowerCase(Locale.ROOT), t.messages(kind));
      series.put(kind.name().toLowerCase(Locale.ROOT), t.series(kind));
    }
    BatchCauses c = sim.batchCauses();
    Map<String, Long> causes = new LinkedHashMap<>();
    causes.put("first", c.bytes(BatchCauses.Cause.FIRST));
    causes.put("resendAfterGap", c.bytes(BatchCauses.Cause.RESEND_AFTER_GAP));
    causes.put("resendAfterFailure", c.bytes(BatchCauses.Cause.RESEND_AFTER_FAILURE));
    causes.put("relay", c.bytes(BatchCauses.Cause.RELAY));
    causes.put("batchFraming", c.bytes(BatchCauses.Cause.FRAMING));
    causes.put("gossip", t.bytes(Traffic.Kind.GOSSIP));
    causes.put("answer", t.bytes(Traffic.Kind.ANSWER));
    causes.put("antiEntropy", t.bytes(Traffic.Kind.ANTI_ENTROPY));
    causes.put("error", t.bytes(Traffic.Kind.ERROR));
    causes.put("alreadyThere", c.alreadyThere());
    long aeAfter = 0;
    if (faults.longPartitionEnd >= 0) {
      long[] ae = t.series(Traffic.Kind.ANTI_ENTROPY);
      for (int i = (int) (faults.longPartitionEnd / Traffic.BUCKET_MILLIS); i < ae.length; i++) {
        aeAfter += ae[i];
      }
    }
    long ideal = h.idealBytes();
    long total = t.totalBytes();
    Map<String, String> verdicts = new LinkedHashMap<>(checkers.verdicts());
    List<String> failures = new ArrayList<>(checkers.details());
    if (convergedMillis < 0) {
      failures.add("the healed system did not converge within " + sim.options().maxHealMillis() / 1000 + " s");
    }
    return new SimResult(sim.options().seed(), sim.options().regions(), sim.options().pops(),
        sim.loop().now() / 1000.0, wallSeconds, workload.submitted, h.committedWrites(), h.ackedWrites(),
        percentile(delays, 0.50), percentile(delays, 0.99), delays.length == 0 ? 0 : delays[delays.length - 1],
        h.unpropagated(), ideal == 0 ? 0 : (double) total / ideal, total, ideal, bytes, causes, messages, aeAfter,
        faults.longPartitionRegion, convergedMillis / 1000.0, sim.loop().events(), sim.clockRefusals,
        faults.partitions, faults.crashes, faults.clockJumps, sim.tombstoneSamples(), series, delays,
        sim.loop().digest(), checkers.stateDigest(), verdicts, failures);
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  /** Whether every checker holds and the system converged after heal. */
  public boolean valid() {
    return failures.isEmpty() && checkers.values().stream().allMatch("valid"::equals);
  }

  /** One JSON object, on one line. */
  public String toJson() {
    StringBuilder b = new StringBuilder("{");
    field(b, "seed", seed);
    field(b, "regions", regions);
    field(b, "pops", pops);
    field(b, "simulatedSeconds", simulatedSeconds);
    field(b, "wallSeconds", round(wallSeconds));
    field(b, "writes", committed);
    field(b, "acknowledged", acked);
    field(b, "propagationP50Ms", propagationP50Ms);
    field(b, "propagationP99Ms", propagationP99Ms);
    field(b, "propagationMaxMs", propagationMaxMs);
    field(b, "bytesPerWriteRatio", round(bytesPerWriteRatio));
    field(b, "replicationBytes", replicationBytes);
    field(b, "idealBytes", idealBytes);
    b.append("\"bytesByKind\":").append(map(bytesByKind)).append(',');
    b.append("\"bytesByCause\":").append(map(bytesByCause)).append(',');
    field(b, "antiEntropyAfterPartitionBytes", antiEntropyAfterPartitionBytes);
    field(b, "convergedAfterHealSeconds", convergedAfterHealSeconds);
    field(b, "events", events);
    field(b, "clockRefusals", clockRefusals);
    field(b, "faults", "{\"partitions\":" + partitions + ",\"crashes\":" + crashes + ",\"clockJumps\":" + clockJumps
        + ",\"longPartition\":" + quote(longPartitionRegion) + "}");
    field(b, "digest", quote(digest));
    b.append("\"checkers\":{");
    int i = 0;
    for (Map.Entry<String, String> e : checkers.entrySet()) {
      b.append(i++ == 0 ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
    }
    b.append("},\"failures\":[");
    for (int f = 0; f < failures.size(); f++) {
      b.append(f == 0 ? "" : ",").append(quote(failures.get(f)));
    }
    return b.append("]}").toString();
  }

  private static String map(Map<String, Long> m) {
    StringBuilder b = new StringBuilder("{");
    int i = 0;
    for (Map.Entry<String, Long> e : m.entrySet()) {
      b.append(i++ == 0 ? "" : ",").append(quote(e.getKey())).append(':').append(e.getValue());
    }
    return b.append('}').toString();
  }

  private static void field(StringBuilder b, String name, Object value) {
    b.append(quote(name)).append(':').append(value).append(',');
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
