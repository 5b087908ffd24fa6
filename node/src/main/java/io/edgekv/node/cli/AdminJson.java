package io.edgekv.node.cli;

import io.edgekv.api.v1.CompactResponse;
import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.KeyTrace;
import io.edgekv.api.v1.MemberSpec;
import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.api.v1.ShardMembers;
import io.edgekv.api.v1.SnapshotResponse;
import io.edgekv.api.v1.StatusResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of the {@code admin} commands' results, under the rules of {@link ResultJson}:
 * every field present (null when it has no value), camelCase names, fixed field order. Built
 * from the admin API's messages field by field, not by protobuf's JSON printer, so that a field
 * added to the protocol does not silently change what scripts read.
 */
final class AdminJson {

  private AdminJson() {}

  static Map<String, Object> status(StatusResponse r) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("askedNode", r.getAskedNode());
    json.put("nodes", r.getNodesList().stream().map(AdminJson::node).toList());
    return json;
  }

  static Map<String, Object> node(NodeStatus n) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("id", n.getId());
    node.put("region", n.getRegion());
    node.put("ready", n.getReady());
    node.put("reachable", n.getReachable());
    node.put("draining", n.getDraining());
    node.put("publicAddress", n.getPublicAddress());
    node.put("httpAddress", n.getHttpAddress());
    node.put("notReadyReasons", n.getNotReadyReasonsList());
    node.put("degradedReasons", n.getDegradedReasonsList());
    node.put("alive", !n.getReachable() || n.getAlive());
    node.put("livenessFailures", n.getLivenessFailuresList());
    node.put("recordsUnderOldKeys", n.getRecordsUnderOldKeys());
    node.put("error", emptyToNull(n.getError()));
    node.put("groups", groups(n.getGroupsList()));
    return node;
  }

  static List<Map<String, Object>> groups(List<GroupStatus> groups) {
    List<Map<String, Object>> out = new ArrayList<>(groups.size());
    for (GroupStatus g : groups) {
      Map<String, Object> group = new LinkedHashMap<>();
      group.put("shard", g.getShard());
      group.put("groupId", g.getGroupId());
      group.put("role", g.getRole());
      group.put("leader", emptyToNull(g.getLeader()));
      group.put("appliedIndex", g.getAppliedIndex());
      group.put("commitIndex", g.getCommitIndex());
      group.put("term", g.getTerm());
      group.put("peers", g.getPeersList());
      group.put("failure", emptyToNull(g.getFailure()));
      out.add(group);
    }
    return out;
  }

  static Map<String, Object> membership(MembershipResponse r) {
    List<Map<String, Object>> shards = new ArrayList<>();
    for (ShardMembers s : r.getShardsList()) {
      Map<String, Object> shard = new LinkedHashMap<>();
      shard.put("shard", s.getShard());
      shard.put("leader", emptyToNull(s.getLeader()));
      List<Map<String, Object>> members = new ArrayList<>();
      for (MemberSpec m : s.getMembersList()) {
        Map<String, Object> member = new LinkedHashMap<>();
        member.put("id", m.getId());
        member.put("host", m.getHost());
        member.put("raftPort", m.getRaftPort());
        members.add(member);
      }
      shard.put("members", members);
      shards.add(shard);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("shards", shards);
    return json;
  }

  static Map<String, Object> snapshot(SnapshotResponse r) {
    List<Map<String, Object>> snapshots = new ArrayList<>();
    for (int shard = 0; shard < r.getIndexesCount(); shard++) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("shard", shard);
      s.put("index", r.getIndexes(shard));
      snapshots.add(s);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("snapshots", snapshots);
    return json;
  }

  static Map<String, Object> compact(CompactResponse r) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("bytesBefore", r.getBytesBefore());
    json.put("bytesAfter", r.getBytesAfter());
    return json;
  }

  static Map<String, Object> trace(KeyTraceView view) {
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (KeyTraceView.Row row : view.rows()) {
      KeyTrace t = row.trace();
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("node", t.getNode());
      node.put("region", t.getRegion());
      node.put("reachable", t.getReachable());
      node.put("error", emptyToNull(t.getError()));
      node.put("state", row.state());
      node.put("found", t.getFound());
      node.put("deleted", t.getDeleted());
      node.put("version", row.version() == null ? null : row.version().toString());
      node.put("digest", t.getDigest().isEmpty() ? null : HexFormat.of().formatHex(t.getDigest().toByteArray()));
      node.put("expiresAt", t.getExpiresAtUnixMs() == 0 ? null : Instant.ofEpochMilli(t.getExpiresAtUnixMs()).toString());
      node.put("appliedIndex", t.getAppliedIndex());
      node.put("asOfHlc", Long.toUnsignedString(t.getAsOfHlc()));
      node.put("differs", row.differs());
      nodes.add(node);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("namespace", view.namespace());
    ResultJson.putBytes(json, "key", view.key());
    json.put("newestVersion", view.newest() == null ? null : view.newest().toString());
    json.put("converged", view.converged());
    json.put("nodes", nodes);
    return json;
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
