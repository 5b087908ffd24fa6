package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.TouchOptions;
import io.edgekv.client.TouchResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv touch KEY --ttl DURATION}: gives a live key a new time to live and prints
 * its new version. A key that does not exist (or is deleted or expired) is a miss: exit 1 and
 * nothing on stdout, as for {@code get} (with {@code --json}: the result with {@code found:
 * false}).
 */
@Command(name = "touch", description = "Give a live key a new time to live and print its new version (exit 1 if not found).")
final class KvTouchCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
  private String key;

  @Option(names = "--ttl", required = true, paramLabel = "DURATION", converter = DurationConverter.class,
      description = "The new time to live from now (at least 1s), e.g. 30s.")
  private Duration ttl;

  @Option(names = "--request-id", paramLabel = "ID",
      description = "Idempotency key: a repeated touch with the same id is applied once (default: random).")
  private String requestId;

  @Override
  protected int run(EdgeKvClient client) {
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw usage("--ttl must be at least 1s");
    }
    TouchOptions.Builder options = TouchOptions.builder(ttl);
    if (requestId != null) {
      if (requestId.isEmpty()) {
        throw usage("--request-id must not be empty");
      }
      options.requestId(requestId);
    }
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    TouchResult result = client.touch(keyBytes, options.build());
    CliOutput out = out();
    if (global().json()) {
      out.json(ResultJson.touch(keyBytes, result));
    }
    if (!result.found()) {
      out.error("NOT_FOUND", "key '" + key + "' not found in namespace '" + client.namespace() + "'");
      return ExitCodes.NOT_FOUND;
    }
    if (!global().json()) {
      out.line(result.version().toString());
    }
    return ExitCodes.OK;
  }
}
