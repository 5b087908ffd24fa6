package io.edgekv.node.cli;

import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.dev.DevTopology;
import io.edgekv.node.security.FleetCredentials;
import io.edgekv.node.security.Right;
import io.edgekv.node.security.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The offline security commands of {@code edgekv admin} (DESIGN section 10): they sign and
 * generate locally and never call a node.
 */
final class AdminSecurityCommands {
  private AdminSecurityCommands() {}

  /** A group of subcommands: without one, the usage on stderr and exit 2. */
  abstract static class Group implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(EdgeKvCommand.root(spec).output().errWriter());
      return ExitCodes.USAGE;
    }
  }

  /** {@code edgekv admin token ...}. */
  @Command(name = "token", description = "Client tokens (signed locally, offline).",
      subcommands = {Create.class})
  static final class Token extends Group {
  }

  /** {@code edgekv admin token create --signing-key FILE --ns NS[,NS] --rights R[,R] --ttl D}. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Sign a bearer token with the offline signing key and print it alone on stdout.")
  static final class Create implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--signing-key", required = true, paramLabel = "FILE",
        description = "The Ed25519 signing key (from `admin certs init` or `dev --secure`).")
    Path signingKey;

    @Option(names = "--ns", required = true, split = ",", paramLabel = "NS",
        description = "Namespaces the token may act on, comma-separated; * for every namespace.")
    List<String> namespaces;

    @Option(names = "--rights", required = true, split = ",", paramLabel = "RIGHT",
        description = "Rights, comma-separated: read, write, purge, watch, admin.")
    List<String> rights;

    @Option(names = "--ttl", defaultValue = "24h", converter = DurationConverter.class,
        description = "How long the token is valid (default ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--subject", defaultValue = "cli", description = "Who the token is for (audit log; default ${DEFAULT-VALUE}).")
    String subject;

    @Override
    public Integer call() throws IOException {
      Set<Right> granted = EnumSet.noneOf(Right.class);
      for (String r : rights) {
        try {
          granted.add(Right.parse(r));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "--rights: " + e.getMessage());
        }
      }
      for (String ns : namespaces) {
        if (ns.isBlank()) {
          throw new ParameterException(spec.commandLine(), "--ns: a namespace must not be empty");
        }
      }
      if (ttl.isNegative() || ttl.isZero()) {
        throw new ParameterException(spec.commandLine(), "--ttl must be positive, got " + ttl);
      }
      if (!Files.isReadable(signingKey)) {
        throw new ParameterException(spec.commandLine(), "--signing-key: cannot read " + signingKey);
      }
      SigningKey key = SigningKey.read(signingKey);
      CliOutput out = EdgeKvCommand.root(spec).output();
      out.line(key.sign(subject, namespaces, granted, ttl, Instant.now()));
      return ExitCodes.OK;
    }
  }

  /** {@code edgekv admin certs ...}. */
  @Command(name = "certs", description = "Certificates of the fleet (made locally, offline).",
      subcommands = {Init.class})
  static final class Certs extends Group {
  }

  /** {@code edgekv admin certs init --out DIR}: CA, node certificates, signing key, master key. */
  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create a CA, a certificate per node of a topology, a token signing key pair and a master key.")
  static final class Init implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into (created).")
    Path out;

    @Option(names = "--config", paramLabel = "FILE",
        description = "A node config file whose topology names the nodes (default: the dev topology of the options below).")
    Path config;

    @Option(names = "--regions", defaultValue = "3", description = "Dev topology: regions (default ${DEFAULT-VALUE}).")
    int regions;

    @Option(names = "--nodes", defaultValue = "3", description = "Dev topology: nodes per region (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Dev topology: the nodes' host (default ${DEFAULT-VALUE}).")
    String host;

    @Override
    public Integer call() throws IOException {
      if (Files.exists(out.resolve("ca.key"))) {
        throw new ParameterException(spec.commandLine(), "--out: " + out + " already holds a CA (ca.key); refusing to replace it");
      }
      NodeConfig.Topology topology;
      try {
        topology = config != null ? ConfigFiles.read(config).topology() : DevTopology.topology(regions, nodes, 1, host, 7400);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      FleetCredentials made = FleetCredentials.create(out, topology);
      CliOutput output = EdgeKvCommand.root(spec).output();
      output.info("wrote " + made.caCert() + " (and ca.key: keep it offline), node certificates in "
          + made.certs() + ", " + made.signingKey() + " (keep it offline), " + made.tokenKeys() + " (for the nodes' "
          + "security.tokenKeys) and " + made.masterKey());
      return ExitCodes.OK;
    }
  }
}
