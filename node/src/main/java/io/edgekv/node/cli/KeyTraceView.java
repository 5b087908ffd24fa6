package io.edgekv.node.cli;

import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.TraceResponse;
import io.edgekv.client.Version;
import java.util.ArrayList;
import java.util.List;

/**
 * A key's trace across the fleet, read for an operator: each node's state, the newest version
 * any reachable node holds, and which nodes differ from it (they have not applied the newest
 * write yet, or missed it). Unreachable nodes are listed but never counted as differing: their
 * state is unknown.
 */
record KeyTraceView(String namespace, byte[] key, List<Row> rows, Version newest, boolean converged) {

  /**
   * One node's line.
   *
   * @param state {@code found}, {@code deleted} (a tombstone: deleted or expired), {@code absent}
   *     (the node never saw the key) or {@code unreachable}
   * @param version the version the node holds, or null
   * @param differs whether the node is reachable and does not hold the newest version
   */
  record Row(KeyTrace trace, String state, Version version, boolean differs) {}

  static KeyTraceView of(String namespace, byte[] key, TraceResponse response) {
    Version newest = null;
    for (KeyTrace t : response.getNodesList()) {
      Version v = versionOf(t);
      if (v != null && (newest == null || v.compareTo(newest) > 0)) {
        newest = v;
      }
    }
    List<Row> rows = new ArrayList<>(response.getNodesCount());
    boolean converged = true;
    for (KeyTrace t : response.getNodesList()) {
      Version v = versionOf(t);
      boolean differs = t.getReachable() && newest != null && !newest.equals(v);
      converged &= !differs;
      rows.add(new Row(t, state(t), v, differs));
    }
    return new KeyTraceView(namespace, key.clone(), List.copyOf(rows), newest, converged);
  }

  /** Whether some reachable node holds a live entry (what a read could find). */
  boolean foundAnywhere() {
    return rows.stream().anyMatch(r -> r.trace().getReachable() && r.trace().getFound());
  }

  private static Version versionOf(KeyTrace t) {
    if (!t.getReachable() || !t.hasVersion() || !(t.getFound() || t.getDeleted())) {
      return null;
    }
    return new Version(t.getVersion().getHlc(), t.getVersion().getOriginRegion());
  }

  private static String state(KeyTrace t) {
    if (!t.getReachable()) {
      return "unreachable";
    }
    if (t.getFound()) {
      return "found";
    }
    return t.getDeleted() ? "deleted" : "absent";
  }
}
