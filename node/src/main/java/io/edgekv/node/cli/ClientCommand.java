package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
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

  /**
   * gRPC reports transport trouble (a name that does not resolve, a refused connection) as
   * java.util.logging warnings with stack traces; the command reports the same failure as its
   * one error line, so those warnings are muted while it runs. Held strongly: JUL keeps
   * loggers only weakly, and a collected logger forgets its level.
   */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() {
    Level previous = GRPC_LOG.getLevel();
    GRPC_LOG.setLevel(Level.OFF);
    try (EdgeKvClient client = global().newClient(spec, EdgeKvCommand.root(spec).env(), defaultTimeout())) {
      return run(client);
    } finally {
      GRPC_LOG.setLevel(previous);
    }
  }

  /** The deadline of the command's calls when {@code --timeout} is not given. */
  Duration defaultTimeout() {
    return GlobalOptions.DEFAULT_TIMEOUT;
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
