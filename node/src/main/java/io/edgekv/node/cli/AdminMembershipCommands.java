package io.edgekv.node.cli;

import io.edgekv.api.v1.MemberSpec;
import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.api.v1.ShardMembers;
import io.edgekv.client.AdminClient;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The Raft membership of the asked node's region: {@code admin members}, {@code admin add-node}
 * and {@code admin remove-node}. Each prints the members of every shard group (afterwards, for
 * the changes): a table with one row per shard and member, or with {@code --json} {@code
 * {"shards": [{"shard", "leader", "members": [{"id", "host", "raftPort"}]}]}}. The changes take
 * {@link #MEMBERSHIP_TIMEOUT} unless {@code --timeout} is given; a change that fails leaves the
 * configuration as it was.
 */
final class AdminMembershipCommands {

  /** How long add-node and remove-node may take without {@code --timeout}: a new member's catch-up takes a while. */
  static final Duration MEMBERSHIP_TIMEOUT = Duration.ofSeconds(30);

  private AdminMembershipCommands() {}

  static void print(ClientCommand command, MembershipResponse members) {
    if (command.global().json()) {
      command.out().json(AdminJson.membership(members));
      return;
    }
    Table table = new Table("SHARD", "MEMBER", "ADDRESS", "ROLE");
    for (ShardMembers shard : members.getShardsList()) {
      for (MemberSpec m : shard.getMembersList()) {
        table.row(shard.getShard(), m.getId(), m.getHost() + ":" + m.getRaftPort(),
            m.getId().equals(shard.getLeader()) ? "leader" : "member");
      }
    }
    table.print(command.out());
  }

  /** {@code edgekv admin members}. */
  @Command(name = "members", description = "List the Raft members and leader of each shard of the node's region.")
  static final class Members extends AdminClientCommand {
    @Override
    protected int run(AdminClient admin) {
      print(this, admin.members());
      return ExitCodes.OK;
    }
  }

  /** {@code edgekv admin add-node --id ID --host HOST --raft-port PORT}. */
  @Command(name = "add-node",
      description = "Add a node (started to join) to every shard group of the node's region; gives up after"
          + " --timeout (default 30s) and leaves the configuration as it was.")
  static final class AddNode extends AdminClientCommand {
    @Option(names = "--id", required = true, paramLabel = "ID", description = "The new node's id.")
    private String id;

    @Option(names = "--host", required = true, paramLabel = "HOST", description = "The host its Raft port listens on.")
    private String host;

    @Option(names = "--raft-port", required = true, paramLabel = "PORT", description = "Its Raft port.")
    private int raftPort;

    @Override
    Duration defaultTimeout() {
      return MEMBERSHIP_TIMEOUT;
    }

    @Override
    protected int run(AdminClient admin) {
      if (id.isBlank()) {
        throw usage("--id must not be empty");
      }
      if (host.isBlank()) {
        throw usage("--host must not be empty");
      }
      if (raftPort < 1 || raftPort > 65535) {
        throw usage("--raft-port must be between 1 and 65535, got " + raftPort);
      }
      print(this, admin.addNode(id, host, raftPort));
      return ExitCodes.OK;
    }
  }

  /** {@code edgekv admin remove-node ID [--force]}. */
  @Command(name = "remove-node", description = "Remove a node from every shard group of the node's region;"
      + " refuses (exit 3) to leave fewer than 3 voters without --force.")
  static final class RemoveNode extends AdminClientCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The id of the node to remove.")
    private String id;

    @Option(names = "--force", description = "Remove it even if fewer than 3 voters are left (never the last one).")
    private boolean force;

    @Override
    Duration defaultTimeout() {
      return MEMBERSHIP_TIMEOUT;
    }

    @Override
    protected int run(AdminClient admin) {
      if (id.isBlank()) {
        throw usage("ID must not be empty");
      }
      print(this, admin.removeNode(id, force));
      return ExitCodes.OK;
    }
  }
}
