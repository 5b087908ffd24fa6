package io.edgekv.node.cli;

import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.TraceResponse;
import io.edgekv.client.AdminClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv admin trace KEY}: where a key stands on every node of the fleet, to see whether
 * a write has reached everywhere. One table row per node: its state, version, the first 12 hex
 * digits of the value's digest, the applied index and HLC the node answered at, and a note that
 * flags nodes whose version differs from the newest any node holds. With {@code --json}: {@code
 * {"namespace", "key", "newestVersion", "converged", "nodes": [...]}}.
 *
 * <p>Exits 1 (after printing the trace) when no reachable node holds a live entry, as {@code kv
 * get} does for a miss.
 */
@Command(name = "trace", description = "Show a key's version, digest and as-of point on every node (exit 1 if found nowhere).")
final class AdminTraceCommand extends AdminClientCommand {

  private static final int DIGEST_DIGITS = 12;

  @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8), in --namespace.")
  private String key;

  @Override
  boolean actsOnOneNode() {
    return false;
  }

  @Override
  protected int run(AdminClient admin) {
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    TraceResponse response = admin.trace(keyBytes);
    KeyTraceView view = KeyTraceView.of(global().namespace(), keyBytes, response);
    if (global().json()) {
      out().json(AdminJson.trace(view));
    } else {
      table(view).print(out());
    }
    if (!view.foundAnywhere()) {
      out().error("NOT_FOUND", "key '" + key + "' not found on any node in namespace '" + global().namespace() + "'");
      return ExitCodes.NOT_FOUND;
    }
    return ExitCodes.OK;
  }

  static Table table(KeyTraceView view) {
    Table table = new Table("NODE", "REGION", "STATE", "VERSION", "DIGEST", "APPLIED", "AS-OF-HLC", "NOTE");
    for (KeyTraceView.Row row : view.rows()) {
      KeyTrace t = row.trace();
      String digest = HexFormat.of().formatHex(t.getDigest().toByteArray());
      table.row(t.getNode(), t.getRegion(), row.state(), row.version(),
          digest.substring(0, Math.min(DIGEST_DIGITS, digest.length())),
          t.getReachable() ? Long.toUnsignedString(t.getAppliedIndex()) : "",
          t.getReachable() ? Long.toUnsignedString(t.getAsOfHlc()) : "",
          note(row, view));
    }
    return table;
  }

  private static String note(KeyTraceView.Row row, KeyTraceView view) {
    KeyTrace t = row.trace();
    List<String> notes = new ArrayList<>();
    if (!t.getReachable()) {
      notes.add(t.getError().isEmpty() ? "unreachable" : t.getError());
    }
    if (row.differs()) {
      notes.add("DIFFERS from newest " + view.newest());
    }
    if (t.getFound() && t.getExpiresAtUnixMs() != 0) {
      notes.add("expires " + Instant.ofEpochMilli(t.getExpiresAtUnixMs()));
    }
    return String.join("; ", notes);
  }
}
