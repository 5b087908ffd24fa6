package io.edgekv.node.cli;

import io.edgekv.client.CounterResult;
import io.edgekv.client.EdgeKvClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv incr KEY [DELTA]}: adds DELTA (default 1, may be negative) to a counter and
 * prints its new total. Counters merge across regions without lost updates (per-region PN counter).
 */
@Command(name = "incr", description = "Add to a counter (default 1) and print its total; counters merge across regions.")
final class KvIncrCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "KEY", description = "The counter's key (UTF-8).")
  private String key;

  @Parameters(index = "1", paramLabel = "DELTA", defaultValue = "1", description = "Amount to add, not 0 (default 1).")
  private long delta;

  @Override
  protected int run(EdgeKvClient client) {
    if (delta == 0) {
      throw usage("DELTA must not be 0");
    }
    CounterResult result = client.increment(key, delta);
    if (global().json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("key", key);
      json.put("value", result.value());
      json.put("version", result.version().toString());
      json.put("sessionToken", result.sessionToken());
      json.put("node", result.servedBy().node());
      json.put("region", result.servedBy().region());
      out().json(json);
    } else {
      out().line(Long.toString(result.value()));
    }
    return ExitCodes.OK;
  }
}
