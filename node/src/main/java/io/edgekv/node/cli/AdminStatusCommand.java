package io.edgekv.node.cli;

import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.client.AdminClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv admin status [--local]}: the fleet as the node asked sees it, as an aligned
 * table (one row per node and shard) or, with {@code --json}, one object {@code {"askedNode",
 * "nodes": [...]}} (DESIGN section 13). The fleet view fails over to other endpoints when the
 * first does not answer; {@code --local} reports the asked node alone and needs exactly one
 * endpoint.
 */
@Command(name = "status", description = "Show every node's readiness, Raft roles and applied index.")
final class AdminStatusCommand extends AdminClientCommand {

  @Option(names = "--local", description = "Only the node asked, not the fleet it sees.")
  private boolean local;

  @Override
  boolean actsOnOneNode() {
    return local;
  }

  @Override
  protected int run(AdminClient admin) {
    StatusResponse status = admin.status(local);
    if (global().json()) {
      out().json(AdminJson.status(status));
    } else {
      table(status.getNodesList()).print(out());
    }
    return ExitCodes.OK;
  }

  /** One row per node and shard (one row for a node without groups). */
  static Table table(List<NodeStatus> nodes) {
    Table table = new Table("ID", "REGION", "READY", "SHARD", "ROLE", "LEADER", "APPLIED", "ADDRESS", "NOTE");
    for (NodeStatus n : nodes) {
      String ready = !n.getReachable() ? "?" : (n.getReady() ? "yes" : "no");
      String note = note(n);
      if (n.getGroupsCount() == 0) {
        table.row(n.getId(), n.getRegion(), ready, "", "", "", "", n.getPublicAddress(), note);
      }
      for (GroupStatus g : n.getGroupsList()) {
        table.row(n.getId(), n.getRegion(), ready, g.getShard(), g.getRole().toLowerCase(Locale.ROOT),
            g.getLeader(), Long.toUnsignedString(g.getAppliedIndex()), n.getPublicAddress(), note);
      }
    }
    return table;
  }

  private static String note(NodeStatus n) {
    List<String> notes = new ArrayList<>();
    if (!n.getReachable()) {
      notes.add("unreachable" + (n.getError().isEmpty() ? "" : ": " + n.getError()));
    }
    if (n.getDraining()) {
      notes.add("draining");
    }
    List<String> reasons = new ArrayList<>(n.getNotReadyReasonsList());
    reasons.addAll(n.getDegradedReasonsList());
    n.getLivenessFailuresList().forEach(f -> reasons.add("not alive: " + f));
    for (String reason : reasons) {
      if (!notes.contains(reason) && !(reason.equals("unreachable") && !n.getReachable())) {
        notes.add(reason);
      }
    }
    return String.join(", ", notes);
  }
}
