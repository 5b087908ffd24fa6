package io.edgekv.node.cli;

import io.edgekv.client.DeleteOptions;
import io.edgekv.client.DeleteResult;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.Version;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv delete KEY}: deletes a key and prints the tombstone's version. Deleting a
 * missing key succeeds (exit 0): deletes are idempotent; {@code --json} tells with {@code
 * existed}.
 */
@Command(name = "delete", description = "Delete a key and print the tombstone's version.")
final class KvDeleteCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
  private String key;

  @Option(names = "--if-version", paramLabel = "VERSION",
      description = "Delete only if the key's version is VERSION.")
  private String ifVersion;

  @Option(names = "--request-id", paramLabel = "ID",
      description = "Idempotency key: a repeated delete with the same id is applied once (default: random).")
  private String requestId;

  @Override
  protected int run(EdgeKvClient client) {
    DeleteOptions.Builder options = DeleteOptions.builder();
    if (ifVersion != null) {
      try {
        options.ifVersion(Version.parse(ifVersion));
      } catch (IllegalArgumentException e) {
        throw usage("--if-version: " + GlobalOptions.afterOptionName(e.getMessage()));
      }
    }
    if (requestId != null) {
      if (requestId.isEmpty()) {
        throw usage("--request-id must not be empty");
      }
      options.requestId(requestId);
    }
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    DeleteResult result = client.delete(keyBytes, options.build());
    if (global().json()) {
      out().json(ResultJson.delete(keyBytes, result));
    } else if (result.version() != null) {
      out().line(result.version().toString());
    }
    return ExitCodes.OK;
  }
}
