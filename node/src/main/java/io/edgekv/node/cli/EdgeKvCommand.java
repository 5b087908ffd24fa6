package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code edgekv} command: {@code serve}, {@code dev}, {@code kv}, {@code admin}, {@code
 * bench}, {@code sim} and {@code help}. Its contract with operators' scripts is DESIGN section 13: global
 * options anywhere on the line, results alone on stdout, exactly one {@code error: <STATUS>:
 * <message>} line on stderr when something fails, and the exit codes of {@link ExitCodes}.
 */
@Command(
    name = "edgekv",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = EdgeKvCommand.Version.class,
    description = "EdgeKV: a distributed key-value and cache store for the network edge.",
    footer = {"", "Exit codes: 0 ok, 1 not found, 2 usage, 3 refused, 4 unavailable or deadline exceeded, 5 internal error."},
    subcommands = {
      ServeCommand.class,
      DevCommand.class,
      KvCommand.class,
      AdminCommand.class,
      BenchCommand.class,
      SimCommand.class,
      CommandLine.HelpCommand.class
    })
public final class EdgeKvCommand implements Callable<Integer> {

  @Mixin
  private GlobalOptions global;

  @Spec
  private CommandSpec spec;

  private final CliOutput output;
  private final Map<String, String> env;

  /** A root command writing to {@code output} and reading {@code env} for defaults. */
  public EdgeKvCommand(CliOutput output, Map<String, String> env) {
    this.output = Objects.requireNonNull(output, "output");
    this.env = Map.copyOf(env);
  }

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args, System.in, System.out, System.err, System.getenv()));
  }

  /** Runs the command line with the given streams and environment; returns the exit code. */
  public static int run(
      String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    return commandLine(new CliOutput(in, out, err), env).execute(args);
  }

  /** The configured picocli command line: streams, exit-code mapping, error line. */
  public static CommandLine commandLine(CliOutput output, Map<String, String> env) {
    CommandLine cl = new CommandLine(new EdgeKvCommand(output, env));
    cl.setOut(output.outWriter());
    cl.setErr(output.errWriter());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((e, args) -> {
      String command = e.getCommandLine().getCommandSpec().qualifiedName();
      output.error("USAGE", e.getMessage() + " (see '" + command + " --help')");
      return ExitCodes.USAGE;
    });
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof EdgeKvException failed) {
        output.error(failed.code().name(), ExitCodes.describe(failed));
        return ExitCodes.forStatus(failed.code());
      }
      output.error("INTERNAL", String.valueOf(e));
      return ExitCodes.INTERNAL;
    });
    return cl;
  }

  /** The root command object of the command line that {@code spec} belongs to. */
  public static EdgeKvCommand root(CommandSpec spec) {
    return (EdgeKvCommand) spec.root().userObject();
  }

  /** The global options, wherever on the line they were given. */
  public GlobalOptions global() {
    return global;
  }

  /** The streams of this run. */
  public CliOutput output() {
    return output;
  }

  /** The environment this run reads defaults from. */
  public Map<String, String> env() {
    return env;
  }

  /** {@code edgekv} without a command: the usage, on stderr, and exit 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(output.errWriter());
    return ExitCodes.USAGE;
  }

  /** Reads the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = EdgeKvCommand.class.getPackage().getImplementationVersion();
      return new String[] {"edgekv " + (v == null ? "(development build)" : v)};
    }
  }
}
