package io.edgekv.node.cli;

import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.client.EdgeKvClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgekv admin}: operates the fleet. */
@Command(name = "admin", description = "Inspect and operate the fleet.", subcommands = AdminCommand.Status.class)
public final class AdminCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  /** {@code edgekv admin} without a subcommand: the usage, on stderr, and exit 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(EdgeKvCommand.root(spec).output().errWriter());
    return ExitCodes.USAGE;
  }

  /**
   * {@code edgekv admin status}: the fleet as the node asked sees it, as an aligned table (one
   * row per node and shard) or, with {@code --json}, one object {@code {"nodes": [...]}}.
   */
  @Command(name = "status", description = "Show every node's readiness, Raft roles and applied index.")
  static final class Status extends ClientCommand {

    private static final List<String> HEADER =
        List.of("ID", "REGION", "READY", "SHARD", "ROLE", "LEADER", "APPLIED", "ADDRESS", "NOTE");

    @Option(names = "--local", description = "Only the node asked, not the fleet it sees.")
    private boolean local;

    @Override
    protected int run(EdgeKvClient client) {
      StatusResponse status = client.adminStatus(local);
      if (global().json()) {
        out().json(ResultJson.status(status));
      } else {
        for (String line : table(status)) {
          out().line(line);
        }
      }
      return ExitCodes.OK;
    }

    static List<String> table(StatusResponse status) {
      List<List<String>> rows = new ArrayList<>();
      rows.add(HEADER);
      for (NodeStatus n : status.getNodesList()) {
        String ready = !n.getReachable() ? "?" : (n.getReady() ? "yes" : "no");
        String note = note(n);
        if (n.getGroupsCount() == 0) {
          rows.add(List.of(n.getId(), n.getRegion(), ready, "-", "-", "-", "-", dash(n.getPublicAddress()), note));
        }
        for (GroupStatus g : n.getGroupsList()) {
          rows.add(List.of(n.getId(), n.getRegion(), ready, String.valueOf(g.getShard()),
              dash(g.getRole().toLowerCase(java.util.Locale.ROOT)), dash(g.getLeader()),
              Long.toUnsignedString(g.getAppliedIndex()), dash(n.getPublicAddress()), note));
        }
      }
      return align(rows);
    }

    private static String note(NodeStatus n) {
      List<String> notes = new ArrayList<>();
      if (!n.getReachable()) {
        notes.add("unreachable" + (n.getError().isEmpty() ? "" : ": " + n.getError()));
      }
      if (n.getDraining()) {
        notes.add("draining");
      }
      notes.addAll(n.getNotReadyReasonsList());
      return String.join(", ", notes);
    }

    private static String dash(String s) {
      return s.isEmpty() ? "-" : s;
    }

    private static List<String> align(List<List<String>> rows) {
      int columns = HEADER.size();
      int[] width = new int[columns];
      for (List<String> row : rows) {
        for (int c = 0; c < columns; c++) {
          width[c] = Math.max(width[c], row.get(c).length());
        }
      }
      List<String> lines = new ArrayList<>(rows.size());
      for (List<String> row : rows) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < columns; c++) {
          line.append(c == columns - 1 ? row.get(c) : String.format("%-" + width[c] + "s  ", row.get(c)));
        }
        lines.add(line.toString().stripTrailing());
      }
      return lines;
    }
  }
}
