package io.edgekv.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code edgekv admin}: operates the fleet. Every subcommand prints an aligned table, or with
 * {@code --json} one JSON object. Most act on one node, the one {@code --endpoint} names (see
 * {@link AdminClientCommand}); {@code status}, {@code trace} and {@code purge-status} show the
 * whole fleet as that node sees it.
 */
@Command(
    name = "admin",
    description = "Inspect and operate the fleet.",
    footer = {"", "Commands that act on the node asked (members, transfer-leader, add-node, remove-node,",
      "snapshot, compact, rebuild-shard, drain, undrain, config, status --local) need exactly one --endpoint."},
    subcommands = {
      AdminStatusCommand.class,
      AdminMembershipCommands.Members.class,
      AdminTransferLeaderCommand.class,
      AdminMembershipCommands.AddNode.class,
      AdminMembershipCommands.RemoveNode.class,
      AdminStorageCommands.Snapshot.class,
      AdminStorageCommands.Compact.class,
      AdminStorageCommands.RebuildShard.class,
      AdminStorageCommands.RotateDataKey.class,
      AdminDrainCommands.Drain.class,
      AdminDrainCommands.Undrain.class,
      AdminConfigCommand.class,
      AdminTraceCommand.class,
      AdminPurgeStatusCommand.class,
      AdminReplicationCommands.Lag.class,
      AdminReplicationCommands.Repair.class,
      AdminSecurityCommands.Token.class,
      AdminSecurityCommands.Certs.class
    })
public final class AdminCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  /** {@code edgekv admin} without a subcommand: the usage, on stderr, and exit 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(EdgeKvCommand.root(spec).output().errWriter());
    return ExitCodes.USAGE;
  }
}
