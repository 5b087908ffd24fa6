package io.edgekv.node.cli;

import io.edgekv.api.v1.CompactResponse;
import io.edgekv.api.v1.RebuildShardResponse;
import io.edgekv.api.v1.RotateDataKeyResponse;
import io.edgekv.api.v1.SnapshotResponse;
import io.edgekv.client.AdminClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The asked node's storage: {@code admin snapshot}, {@code admin compact} and {@code admin rebuild-shard}. */
final class AdminStorageCommands {

  private AdminStorageCommands() {}

  /**
   * {@code edgekv admin snapshot}: a table of each shard's snapshot index, or with {@code
   * --json} {@code {"snapshots": [{"shard", "index"}]}}.
   */
  @Command(name = "snapshot", description = "Snapshot every shard on the node asked, so its Raft log can be purged.")
  static final class Snapshot extends AdminClientCommand {
    @Override
    protected int run(AdminClient admin) {
      SnapshotResponse response = admin.snapshot();
      if (global().json()) {
        out().json(AdminJson.snapshot(response));
      } else {
        Table table = new Table("SHARD", "INDEX");
        for (int shard = 0; shard < response.getIndexesCount(); shard++) {
          table.row(shard, Long.toUnsignedString(response.getIndexes(shard)));
        }
        table.print(out());
      }
      return ExitCodes.OK;
    }
  }

  /**
   * {@code edgekv admin compact}: the approximate store size before and after, as a table
   * (bytes, with a readable size alongside), or with {@code --json} {@code {"bytesBefore",
   * "bytesAfter"}}.
   */
  @Command(name = "compact", description = "Compact the RocksDB store of the node asked.")
  static final class Compact extends AdminClientCommand {
    @Override
    protected int run(AdminClient admin) {
      CompactResponse response = admin.compact();
      if (global().json()) {
        out().json(AdminJson.compact(response));
      } else {
        new Table("BYTES-BEFORE", "BYTES-AFTER", "SIZE-BEFORE", "SIZE-AFTER")
            .row(Long.toUnsignedString(response.getBytesBefore()), Long.toUnsignedString(response.getBytesAfter()),
                readable(response.getBytesBefore()), readable(response.getBytesAfter()))
            .print(out());
      }
      return ExitCodes.OK;
    }
  }

  /**
   * {@code edgekv admin rotate-data-key --ns NS}: a new data key of encryption at rest for the
   * namespace on every shard of the asked node's region (replicated; new writes use it, older
   * records stay readable). Prints the namespace and the shards rotated, as a table or with
   * {@code --json} {@code {"namespace", "shards"}}. Exit 3 when the node does not encrypt at rest.
   */
  @Command(name = "rotate-data-key",
      description = "Give a namespace a new data key (encryption at rest) on every shard of the node's region.")
  static final class RotateDataKey extends AdminClientCommand {
    @Option(names = "--ns", paramLabel = "NS", required = true, description = "The namespace.")
    private String namespace;

    @Override
    protected int run(AdminClient admin) {
      RotateDataKeyResponse response = admin.rotateDataKey(namespace);
      if (global().json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("namespace", namespace);
        json.put("shards", response.getShards());
        out().json(json);
      } else {
        new Table("NAMESPACE", "SHARDS").row(namespace, Integer.toString(response.getShards())).print(out());
      }
      return ExitCodes.OK;
    }
  }

  /**
   * {@code edgekv admin rebuild-shard --shard N [--wait DURATION]}: reinstalls shard N on the
   * asked node from a healthy peer (its copy is wiped and the shard's leader sends a snapshot).
   * Prints the shard and the index it caught up to, as a table or with {@code --json} {@code
   * {"shard", "appliedIndex", "status"}} ({@code status} shaped as a node of {@code admin
   * status}). Exit 3 when refused: no other member leads the shard with a quorum without the
   * asked node.
   */
  @Command(name = "rebuild-shard",
      description = "Reinstall a shard on the node asked from a healthy peer (for a shard that failed there).")
  static final class RebuildShard extends AdminClientCommand {
    @Option(names = "--shard", paramLabel = "N", required = true, description = "The shard to rebuild.")
    private int shard;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
        description = "How long the node may take, catching up included (default: ${DEFAULT-VALUE}).")
    private Duration wait;

    @Override
    protected int run(AdminClient admin) {
      if (shard < 0) {
        throw usage("--shard must not be negative, got " + shard);
      }
      if (wait.isZero() || wait.isNegative()) {
        throw usage("--wait must be positive, got " + wait);
      }
      RebuildShardResponse response = admin.rebuildShard(shard, wait);
      if (global().json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("shard", response.getShard());
        json.put("appliedIndex", response.getAppliedIndex());
        json.put("status", AdminJson.node(response.getStatus()));
        out().json(json);
      } else {
        new Table("SHARD", "APPLIED", "READY").row(response.getShard(),
            Long.toUnsignedString(response.getAppliedIndex()), response.getStatus().getReady() ? "yes"
                : "no: " + String.join(", ", response.getStatus().getNotReadyReasonsList())).print(out());
      }
      return ExitCodes.OK;
    }
  }

  /** {@code 1536} → {@code 1.5KiB}. */
  static String readable(long bytes) {
    if (bytes < 1024) {
      return bytes + "B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f%s", value, units[unit]);
  }
}
