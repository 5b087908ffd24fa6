package io.edgekv.node.cli;

import io.edgekv.client.Consistency;
import io.edgekv.client.ReadOptions;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options of a read: {@code --consistency}, {@code --session-token}, {@code --max-staleness}. */
final class ReadOptionsMixin {

  @Option(names = "--consistency", paramLabel = "LEVEL",
      description = "eventual (default), session, bounded or strong.")
  private Consistency consistency;

  @Option(names = "--session-token", paramLabel = "TOKEN",
      description = "A session token from an earlier write or read: a session read sees at least what it names.")
  private String sessionToken;

  @Option(names = "--max-staleness", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "For bounded reads: the largest staleness accepted, e.g. 1s (implies --consistency bounded).")
  private Duration maxStaleness;

  ReadOptions toReadOptions(CommandSpec spec) {
    Consistency level = consistency != null
        ? consistency
        : (maxStaleness != null ? Consistency.BOUNDED : Consistency.EVENTUAL);
    if (level == Consistency.BOUNDED && maxStaleness == null) {
      throw new ParameterException(spec.commandLine(), "--consistency bounded needs --max-staleness");
    }
    if (level != Consistency.BOUNDED && maxStaleness != null) {
      throw new ParameterException(spec.commandLine(), "--max-staleness applies only to --consistency bounded");
    }
    ReadOptions.Builder b = ReadOptions.builder().consistency(level).sessionToken(sessionToken);
    if (maxStaleness != null) {
      try {
        b.maxStaleness(maxStaleness);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--max-staleness must be at least 1ms");
      }
    }
    return b.build();
  }
}
