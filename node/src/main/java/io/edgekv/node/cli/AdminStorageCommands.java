package io.edgekv.node.cli;

import io.edgekv.api.v1.CompactResponse;
import io.edgekv.api.v1.SnapshotResponse;
import io.edgekv.client.AdminClient;
import java.util.Locale;
import picocli.CommandLine.Command;

/** The asked node's storage: {@code admin snapshot} and {@code admin compact}. */
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
