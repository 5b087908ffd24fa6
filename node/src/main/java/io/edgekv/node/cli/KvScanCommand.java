package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.KvEntry;
import io.edgekv.client.ScanOptions;
import io.edgekv.client.ScanPage;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv scan PREFIX}: prints the live entries under a prefix in key order, one line
 * each ({@code key<TAB>value}, or the key alone with {@code --keys-only}), fetching pages as it
 * prints. Bytes that are not UTF-8 are printed as {@code base64:<...>}.
 */
@Command(name = "scan", description = "List the entries whose key starts with PREFIX, in key order.")
final class KvScanCommand extends ClientCommand {

  private static final int PAGE_SIZE = 100;

  @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "",
      description = "The key prefix (UTF-8); empty for every key.")
  private String prefix;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
      description = "Print at most N entries (default: all).")
  private int limit;

  @Option(names = "--keys-only", description = "Print keys without values.")
  private boolean keysOnly;

  @Mixin
  private ReadOptionsMixin read;

  @Override
  protected int run(EdgeKvClient client) {
    if (limit < 0) {
      throw usage("--limit must not be negative, got " + limit);
    }
    ScanOptions options = ScanOptions.builder()
        .limit(limit > 0 ? Math.min(limit, PAGE_SIZE) : PAGE_SIZE)
        .keysOnly(keysOnly)
        .read(read.toReadOptions(spec))
        .build();
    CliOutput out = out();
    boolean json = global().json();
    long printed = 0;
    for (ScanPage page : client.scanPages(prefix.getBytes(StandardCharsets.UTF_8), options)) {
      for (KvEntry e : page.entries()) {
        if (limit > 0 && printed == limit) {
          return ExitCodes.OK;
        }
        if (json) {
          out.json(ResultJson.entry(e, page.servedBy(), page.sessionToken(), keysOnly));
        } else if (keysOnly) {
          out.line(ResultJson.printable(e.key()));
        } else {
          out.line(ResultJson.printable(e.key()) + "\t" + ResultJson.printable(e.value()));
        }
        printed++;
      }
      if (limit > 0 && printed == limit) {
        break;
      }
    }
    return ExitCodes.OK;
  }
}
