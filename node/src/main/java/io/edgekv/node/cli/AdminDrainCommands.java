package io.edgekv.node.cli;

import io.edgekv.api.v1.DrainResponse;
import io.edgekv.client.AdminClient;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code edgekv admin drain} and {@code admin undrain}: take the asked node out of anycast
 * traffic (it fails readiness, hands off Raft leadership, sends GOAWAY to its clients and marks
 * its responses so clients move away) or put it back. Both print the node's status afterwards:
 * the {@code admin status} table for that node, or with {@code --json} the node object of
 * {@code admin status --json}.
 */
final class AdminDrainCommands {

  private AdminDrainCommands() {}

  static int print(ClientCommand command, DrainResponse response) {
    if (command.global().json()) {
      command.out().json(AdminJson.node(response.getStatus()));
    } else {
      AdminStatusCommand.table(List.of(response.getStatus())).print(command.out());
    }
    return ExitCodes.OK;
  }

  /** {@code edgekv admin drain}. */
  @Command(name = "drain", description = "Take the node asked out of traffic: it fails readiness and clients move away.")
  static final class Drain extends AdminClientCommand {
    @Override
    protected int run(AdminClient admin) {
      return print(this, admin.drain());
    }
  }

  /** {@code edgekv admin undrain}. */
  @Command(name = "undrain", description = "Put a drained node back into traffic.")
  static final class Undrain extends AdminClientCommand {
    @Override
    protected int run(AdminClient admin) {
      return print(this, admin.undrain());
    }
  }
}
