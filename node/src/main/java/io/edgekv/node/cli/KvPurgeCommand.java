package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.PurgeResult;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv kv purge --key K | --prefix P | --tag T [--soft]}: purges in every region (a
 * replicated range tombstone that also hides older writes arriving later) and prints the purge
 * id and version ({@code admin purge-status ID} tells when each region applied it).
 */
@Command(name = "purge", description = "Purge by key, prefix or tag in every region; print the purge id and version.")
final class KvPurgeCommand extends ClientCommand {

  static final class Selector {
    @Option(names = "--key", paramLabel = "KEY", required = true, description = "Purge this key.")
    String key;

    @Option(names = "--prefix", paramLabel = "PREFIX", required = true, description = "Purge every key starting with PREFIX.")
    String prefix;

    @Option(names = "--tag", paramLabel = "TAG", required = true, description = "Purge every entry carrying TAG.")
    String tag;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Selector selector;

  @Option(names = "--soft", description = "Mark entries stale (still served, flagged) instead of removing them.")
  private boolean soft;

  @Override
  protected int run(EdgeKvClient client) {
    String kind;
    String value;
    if (selector.key != null) {
      kind = "key";
      value = selector.key;
    } else if (selector.prefix != null) {
      kind = "prefix";
      value = selector.prefix;
    } else {
      kind = "tag";
      value = selector.tag;
    }
    if (value.isEmpty()) {
      throw usage("--" + kind + " must not be empty");
    }
    PurgeResult result;
    try (InvalidationClient invalidation = InvalidationClient.of(client)) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      result = invalidation.purge(kind.equals("key") ? bytes : null, kind.equals("prefix") ? bytes : null,
          kind.equals("tag") ? value : null, soft);
    }
    if (global().json()) {
      out().json(InvalidationJson.purge(result, kind, value, soft));
    } else {
      out().line(result.purgeId() + " " + result.version());
    }
    return ExitCodes.OK;
  }
}
