package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv get KEY}: prints the value alone (text followed by a newline; a value that
 * is not UTF-8 is written as its raw bytes), or with {@code --json} the whole result. A miss
 * exits 1 with nothing on stdout (with {@code --json}: the result with {@code found: false}).
 */
@Command(name = "get", description = "Read a key and print its value (exit 1 if not found).")
final class KvGetCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
  private String key;

  @Mixin
  private ReadOptionsMixin read;

  @Override
  protected int run(EdgeKvClient client) {
    GetResult result = client.get(key.getBytes(StandardCharsets.UTF_8), read.toReadOptions(spec));
    CliOutput out = out();
    if (global().json()) {
      out.json(ResultJson.get(result));
    }
    if (!result.found()) {
      out.error("NOT_FOUND", "key '" + key + "' not found in namespace '" + client.namespace() + "'");
      return ExitCodes.NOT_FOUND;
    }
    if (!global().json()) {
      byte[] value = result.value();
      if (ResultJson.isUtf8(value)) {
        out.line(new String(value, StandardCharsets.UTF_8));
      } else {
        out.raw(value);
      }
    }
    return ExitCodes.OK;
  }
}
