package io.edgekv.node.cli;

import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.TransferLeaderResponse;
import io.edgekv.client.AdminClient;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv admin transfer-leader [--shard N] [--to NODE]}: moves Raft leadership of one
 * shard (default: every shard) of the asked node's region to node {@code NODE}, or away from the
 * asked node. Prints the asked node's groups afterwards: a table, or with {@code --json} {@code
 * {"groups": [...]}} shaped as in {@code admin status}. The node gets {@code --timeout} less a
 * fifth to finish.
 */
@Command(name = "transfer-leader",
    description = "Move Raft leadership of a shard (default: all) to --to NODE, or away from the node asked.")
final class AdminTransferLeaderCommand extends AdminClientCommand {

  @Option(names = "--shard", paramLabel = "N", description = "The shard to move (default: every shard).")
  private Integer shard;

  @Option(names = "--to", paramLabel = "NODE",
      description = "The node id to hand leadership to (default: any other member).")
  private String target;

  @Override
  protected int run(AdminClient admin) {
    if (shard != null && shard < 0) {
      throw usage("--shard must not be negative, got " + shard + " (leave it out for every shard)");
    }
    if (target != null && target.isBlank()) {
      throw usage("--to must not be empty");
    }
    TransferLeaderResponse response = admin.transferLeader(shard == null ? AdminClient.ALL_SHARDS : shard, target);
    if (global().json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("groups", AdminJson.groups(response.getGroupsList()));
      out().json(json);
    } else {
      Table table = new Table("SHARD", "ROLE", "LEADER", "TERM", "APPLIED");
      for (GroupStatus g : response.getGroupsList()) {
        table.row(g.getShard(), g.getRole().toLowerCase(Locale.ROOT), g.getLeader(),
            Long.toUnsignedString(g.getTerm()), Long.toUnsignedString(g.getAppliedIndex()));
      }
      table.print(out());
    }
    return ExitCodes.OK;
  }
}
