package io.edgekv.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code edgekv kv}: reads and writes keys. */
@Command(
    name = "kv",
    description = "Read and write keys.",
    subcommands = {
      KvGetCommand.class,
      KvPutCommand.class,
      KvDeleteCommand.class,
      KvScanCommand.class,
      KvTouchCommand.class,
      KvIncrCommand.class,
      KvTxnCommand.class,
      KvWatchCommand.class,
      KvPurgeCommand.class,
      KvPublishCommand.class
    })
public final class KvCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  /** {@code edgekv kv} without a subcommand: the usage, on stderr, and exit 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(EdgeKvCommand.root(spec).output().errWriter());
    return ExitCodes.USAGE;
  }
}
