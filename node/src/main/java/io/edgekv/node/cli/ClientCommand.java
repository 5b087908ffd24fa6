package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a cluster through one {@link EdgeKvClient}, opened from the
 * global options and closed when the command returns. Failed calls throw {@link
 * io.edgekv.client.EdgeKvException}, which {@link EdgeKvCommand} turns into the error line and
 * exit code.
 */
abstract class ClientCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() {
    try (EdgeKvClient client = global().newClient(spec, EdgeKvCommand.root(spec).env())) {
      return run(client);
    }
  }

  /** Runs the command and returns its exit code. */
  protected abstract int run(EdgeKvClient client);

  GlobalOptions global() {
    return EdgeKvCommand.root(spec).global();
  }

  CliOutput out() {
    return EdgeKvCommand.root(spec).output();
  }

  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
