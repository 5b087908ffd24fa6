package io.edgekv.node.cli;

import io.edgekv.client.AdminClient;
import io.edgekv.client.EdgeKvClient;
import java.util.List;

/**
 * An {@code admin} subcommand: it talks to the admin API of the node at the first endpoint.
 *
 * <p>Most admin calls act on the node asked (drain it, snapshot it, change its region's
 * membership). With several endpoints (say {@code EDGEKV_ENDPOINTS} listing a fleet) which node
 * that is would be an accident of order, so such a command refuses, as a usage error, to run
 * unless exactly one endpoint is given. Commands that only read the fleet's view override
 * {@link #actsOnOneNode()}.
 */
abstract class AdminClientCommand extends ClientCommand {

  @Override
  protected final int run(EdgeKvClient client) {
    if (actsOnOneNode()) {
      List<String> endpoints = global().endpoints(EdgeKvCommand.root(spec).env());
      if (endpoints.size() != 1) {
        throw usage(spec.qualifiedName().replaceFirst("^edgekv ", "") + " acts on one node: name it with a single"
            + " --endpoint HOST:PORT (got " + endpoints.size() + " endpoints: " + String.join(", ", endpoints) + ")");
      }
    }
    return run(client.admin());
  }

  /** Whether the command acts on (or reports only) the node asked; true unless overridden. */
  boolean actsOnOneNode() {
    return true;
  }

  /** Runs the command against the asked node's admin API and returns its exit code. */
  protected abstract int run(AdminClient admin);
}
