package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import io.edgekv.client.Version;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgekv kv put KEY VALUE}: writes a key and prints the new version. */
@Command(name = "put", description = "Write a key and print its new version.")
final class KvPutCommand extends ClientCommand {

  /** The largest value any server accepts (DESIGN section 3). */
  static final int MAX_VALUE_BYTES = 16 * 1024 * 1024;

  @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
  private String key;

  @Parameters(index = "1", paramLabel = "VALUE", description = "The value (UTF-8), or - to read it from stdin.")
  private String value;

  @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Expire the entry after this long (at least 1s), e.g. 30s.")
  private Duration ttl;

  @Option(names = "--tag", paramLabel = "TAG", description = "A tag to store with the entry (repeatable).")
  private List<String> tags = new ArrayList<>();

  @Option(names = "--meta", paramLabel = "NAME=VALUE", description = "A metadata entry (repeatable).")
  private Map<String, String> metadata = new LinkedHashMap<>();

  @ArgGroup(exclusive = true)
  private Condition condition;

  @Option(names = "--request-id", paramLabel = "ID",
      description = "Idempotency key: a repeated write with the same id is applied once (default: random).")
  private String requestId;

  static final class Condition {
    @Option(names = "--if-absent", required = true, description = "Write only if the key does not exist.")
    boolean ifAbsent;

    @Option(names = "--if-version", required = true, paramLabel = "VERSION",
        description = "Write only if the key's version is VERSION (as printed by put or get --json).")
    String ifVersion;
  }

  @Override
  protected int run(EdgeKvClient client) {
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    byte[] valueBytes = "-".equals(value) ? readValueFromStdin() : value.getBytes(StandardCharsets.UTF_8);
    PutResult result = client.put(keyBytes, valueBytes, options());
    if (global().json()) {
      out().json(ResultJson.put(keyBytes, valueBytes, result));
    } else {
      out().line(result.version().toString());
    }
    return ExitCodes.OK;
  }

  private PutOptions options() {
    PutOptions.Builder b = PutOptions.builder().metadata(metadata);
    try {
      b.tags(tags);
    } catch (IllegalArgumentException e) {
      throw usage("--tag must not be empty");
    }
    if (ttl != null) {
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw usage("--ttl must be at least 1s");
      }
      b.ttl(ttl);
    }
    if (condition != null && condition.ifAbsent) {
      b.ifAbsent();
    }
    if (condition != null && condition.ifVersion != null) {
      b.ifVersion(parseVersion(condition.ifVersion));
    }
    if (requestId != null) {
      if (requestId.isEmpty()) {
        throw usage("--request-id must not be empty");
      }
      b.requestId(requestId);
    }
    return b.build();
  }

  private Version parseVersion(String text) {
    try {
      return Version.parse(text);
    } catch (IllegalArgumentException e) {
      throw usage("--if-version: " + GlobalOptions.afterOptionName(e.getMessage()));
    }
  }

  private byte[] readValueFromStdin() {
    try {
      return out().readStdin(MAX_VALUE_BYTES, "VALUE", "the largest value a server accepts");
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }
}
