package io.edgekv.node.cli;

import io.edgekv.api.v1.LagResponse;
import io.edgekv.api.v1.RegionLag;
import io.edgekv.api.v1.RegionRepair;
import io.edgekv.api.v1.RepairRegionsResponse;
import io.edgekv.client.AdminClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Cross-region replication of the asked node's region: {@code admin lag} and {@code admin repair}. */
final class AdminReplicationCommands {

  private AdminReplicationCommands() {}

  /**
   * {@code edgekv admin lag}: per other region and shard, the entries it has not applied yet and
   * the age of the oldest, as measured by the asked node (ask a shard leader; a follower knows
   * nothing). {@code --json}: {@code {"lags": [{"toRegion","shard","entries","seconds","needsRepair","measuredBy"}]}}.
   */
  @Command(name = "lag", description = "Cross-region replication lag from the asked node's region, per region and shard.")
  static final class Lag extends AdminClientCommand {
    @Override
    protected int run(AdminClient admin) {
      LagResponse response = admin.lag();
      if (global().json()) {
        List<Map<String, Object>> lags = response.getLagsList().stream().map(Lag::json).toList();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("lags", lags);
        out().json(json);
      } else if (response.getLagsCount() == 0) {
        out().info("no lag known here: the asked node leads no shard (ask a leader; see `edgekv admin members`)");
      } else {
        Table table = new Table("TO-REGION", "SHARD", "ENTRIES", "SECONDS", "NEEDS-REPAIR", "MEASURED-BY");
        for (RegionLag lag : response.getLagsList()) {
          table.row(lag.getToRegion(), lag.getShard(), Long.toUnsignedString(lag.getEntries()),
              String.format(Locale.ROOT, "%.3f", lag.getSeconds()), lag.getNeedsRepair() ? "yes" : "no",
              lag.getMeasuredBy());
        }
        table.print(out());
      }
      return ExitCodes.OK;
    }

    private static Map<String, Object> json(RegionLag lag) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("toRegion", lag.getToRegion());
      json.put("shard", lag.getShard());
      json.put("entries", lag.getEntries());
      json.put("seconds", lag.getSeconds());
      json.put("needsRepair", lag.getNeedsRepair());
      json.put("measuredBy", lag.getMeasuredBy());
      return json;
    }
  }

  /**
   * {@code edgekv admin repair [--region R]}: anti-entropy from the asked node's region to the
   * others now. Exit 4 when a region could not be reached.
   */
  @Command(name = "repair", description = "Anti-entropy now: send what other regions lack (compared by key-range digests).")
  static final class Repair extends AdminClientCommand {
    @Option(names = "--region", defaultValue = "", paramLabel = "REGION", description = "Only this region (default: all others).")
    String region;

    @Override
    protected int run(AdminClient admin) {
      RepairRegionsResponse response = admin.repair(region);
      boolean failed = response.getRepairsList().stream().anyMatch(r -> !r.getError().isEmpty());
      if (global().json()) {
        List<Map<String, Object>> repairs = response.getRepairsList().stream().map(r -> {
          Map<String, Object> json = new LinkedHashMap<>();
          json.put("region", r.getRegion());
          json.put("shard", r.getShard());
          json.put("differingBuckets", r.getDifferingBuckets());
          json.put("error", r.getError().isEmpty() ? null : r.getError());
          return json;
        }).toList();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("repairs", repairs);
        out().json(json);
      } else {
        Table table = new Table("REGION", "SHARD", "DIFFERING-RANGES", "RESULT");
        for (RegionRepair r : response.getRepairsList()) {
          table.row(r.getRegion(), r.getShard(), r.getDifferingBuckets(),
              r.getError().isEmpty() ? (r.getDifferingBuckets() == 0 ? "in sync" : "sent") : "failed: " + r.getError());
        }
        table.print(out());
      }
      return failed ? ExitCodes.UNAVAILABLE : ExitCodes.OK;
    }
  }
}
