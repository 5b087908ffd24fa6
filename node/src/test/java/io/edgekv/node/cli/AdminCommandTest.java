package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.AddNodeRequest;
import io.edgekv.api.v1.DrainRequest;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.api.v1.TransferLeaderRequest;
import io.grpc.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminCommandTest {

  private static final byte[] NO_INPUT = new byte[0];

  private FakeEdgeKvServer server;

  @BeforeEach
  void start() throws IOException {
    server = new FakeEdgeKvServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private CliRun edgekv(String... args) {
    return CliRun.against(server.endpoint(), NO_INPUT, args);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  private static int deadPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"status --local", "members", "transfer-leader", "add-node --id n --host h --raft-port 1",
      "remove-node n", "snapshot", "compact", "drain", "undrain", "config"})
  void commandsThatActOnANodeRefuseSeveralEndpoints(String line) {
    String[] args = ("admin " + line).split(" ");
    CliRun run = CliRun.run(Map.of("EDGEKV_ENDPOINTS", server.endpoint() + ",127.0.0.1:1"), NO_INPUT, args);

    assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
    assertEquals("", run.stdout());
    run.assertOneErrorLine("error: USAGE: admin " + line.split(" ")[0] + " acts on one node: name it with a single"
        + " --endpoint HOST:PORT (got 2 endpoints: " + server.endpoint() + ", 127.0.0.1:1)");
    assertEquals(List.of(), server.requests);
  }

  @Test
  void fleetStatusFailsOverFromADeadFirstEndpoint() throws IOException {
    CliRun run = CliRun.run(Map.of(), NO_INPUT,
        "--endpoints", "127.0.0.1:" + deadPort() + "," + server.endpoint(), "admin", "status", "--json");

    assertEquals(0, run.exitCode(), run.toString());
    assertEquals("eu-west-0", run.json().get("askedNode"));
    assertFalse(server.requestsOf(StatusRequest.class).get(0).getLocal());
  }

  @Test
  void membersPrintsOneRowPerShardAndMemberAndJsonNestsThem() {
    CliRun table = edgekv("admin", "members");
    CliRun json = edgekv("admin", "members", "--json");

    assertEquals(0, table.exitCode(), table.toString());
    assertEquals(List.of(
        "SHARD  MEMBER     ADDRESS        ROLE",
        "0      eu-west-0  10.0.0.1:7600  leader",
        "0      eu-west-1  10.0.0.2:7600  member",
        "1      eu-west-0  10.0.0.1:7600  member",
        "1      eu-west-1  10.0.0.2:7600  leader"), table.stdoutLines());
    List<Map<String, Object>> shards = list(json.json().get("shards"));
    assertEquals(List.of("shard", "leader", "members"), List.copyOf(shards.get(0).keySet()));
    assertEquals("eu-west-1", shards.get(1).get("leader"));
    assertEquals(Map.of("id", "eu-west-0", "host", "10.0.0.1", "raftPort", 7600), list(shards.get(0).get("members")).get(0));
  }

  @Test
  void transferLeaderSendsShardAndTargetAndPrintsTheGroups() {
    CliRun one = edgekv("admin", "transfer-leader", "--shard", "1", "--to", "eu-west-0", "--json");
    CliRun all = edgekv("admin", "transfer-leader", "--timeout", "10s");

    assertEquals(0, one.exitCode(), one.toString());
    List<Map<String, Object>> groups = list(one.json().get("groups"));
    assertEquals(List.of("shard", "groupId", "role", "leader", "appliedIndex", "commitIndex", "term", "peers", "failure"),
        List.copyOf(groups.get(1).keySet()));
    assertEquals("LEADER", groups.get(1).get("role"));
    assertEquals(0, all.exitCode(), all.toString());
    assertEquals("SHARD  ROLE      LEADER     TERM  APPLIED", all.stdoutLines().get(0));
    assertEquals("1      follower  eu-west-1  3     121", all.stdoutLines().get(2));
    List<TransferLeaderRequest> sent = server.requestsOf(TransferLeaderRequest.class);
    assertEquals(1, sent.get(0).getShard());
    assertEquals("eu-west-0", sent.get(0).getTarget());
    assertEquals(-1, sent.get(1).getShard());
    assertEquals("", sent.get(1).getTarget());
    assertEquals(8_000, sent.get(1).getTimeoutMs());
  }

  @Test
  void transferLeaderToANodeThatIsNotAMemberIsRefused() {
    CliRun run = edgekv("admin", "transfer-leader", "--to", "mars-0");

    assertEquals(ExitCodes.REFUSED, run.exitCode(), run.toString());
    assertEquals("", run.stdout());
    assertEquals(List.of("error: INVALID_ARGUMENT: target: mars-0 is not a member of the group"), run.stderrLines());
  }

  @Test
  void addNodeAndRemoveNodeChangeTheMembersAndPrintThem() {
    CliRun add = edgekv("admin", "add-node", "--id", "eu-west-2", "--host", "10.0.0.3", "--raft-port", "7601", "--json");
    CliRun remove = edgekv("admin", "remove-node", "eu-west-1");
    CliRun unknown = edgekv("admin", "remove-node", "eu-west-9");

    assertEquals(0, add.exitCode(), add.toString());
    assertEquals(3, list(list(add.json().get("shards")).get(0).get("members")).size());
    AddNodeRequest sent = server.requestsOf(AddNodeRequest.class).get(0);
    assertEquals("eu-west-2", sent.getNode().getId());
    assertEquals("10.0.0.3", sent.getNode().getHost());
    assertEquals(7601, sent.getNode().getRaftPort());
    assertEquals(0, remove.exitCode(), remove.toString());
    assertEquals(5, remove.stdoutLines().size(), remove.toString());
    assertTrue(remove.stdoutLines().stream().noneMatch(l -> l.contains("eu-west-1")), remove.toString());
    assertEquals(ExitCodes.REFUSED, unknown.exitCode(), unknown.toString());
    unknown.assertOneErrorLine("error: INVALID_ARGUMENT: id: eu-west-9 is not a member");
  }

  @Test
  void membershipChangesGiveTheNodeThirtySecondsUnlessTimedOutAndRemoveNodePassesForce() {
    edgekv("admin", "add-node", "--id", "eu-west-2", "--host", "10.0.0.3", "--raft-port", "7601");
    edgekv("admin", "remove-node", "eu-west-2", "--force", "--timeout", "10s");
    edgekv("admin", "remove-node", "eu-west-1");
    edgekv("admin", "transfer-leader", "--to", "eu-west-0");

    // The node gets the client's deadline less a fifth, so it reports its own error first.
    assertEquals(24_000, server.requestsOf(AddNodeRequest.class).get(0).getTimeoutMs());
    List<io.edgekv.api.v1.RemoveNodeRequest> removes = server.requestsOf(io.edgekv.api.v1.RemoveNodeRequest.class);
    assertEquals(List.of(true, false), removes.stream().map(io.edgekv.api.v1.RemoveNodeRequest::getForce).toList());
    assertEquals(List.of(8_000L, 24_000L), removes.stream().map(io.edgekv.api.v1.RemoveNodeRequest::getTimeoutMs)
        .toList());
    assertEquals(4_000, server.requestsOf(TransferLeaderRequest.class).get(0).getTimeoutMs(), "others keep 5 s");
  }

  @Test
  void removeNodeRefusedBelowThreeVotersExitsThree() {
    server.nextAdminFailure = Status.FAILED_PRECONDITION.withDescription(
        "removing eu-west-1 would leave shard 0 with 2 voters; use --force to remove it anyway");

    CliRun run = edgekv("admin", "remove-node", "eu-west-1");

    assertEquals(ExitCodes.REFUSED, run.exitCode(), run.toString());
    run.assertOneErrorLine("error: FAILED_PRECONDITION: removing eu-west-1 would leave shard 0 with 2 voters");
  }

  @ParameterizedTest
  @ValueSource(strings = {"admin add-node --id n --host h", "admin add-node --id n --host h --raft-port 70000",
      "admin add-node --id n --host h --raft-port x", "admin remove-node", "admin transfer-leader --shard -3",
      "admin trace", "admin", "admin bogus"})
  void adminUsageErrorsExitTwo(String line) {
    CliRun run = edgekv(line.split(" "));

    assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
    assertEquals("", run.stdout());
    assertEquals(List.of(), server.requests);
  }

  @Test
  void snapshotAndCompactPrintTablesAndJson() {
    CliRun snapshot = edgekv("admin", "snapshot");
    CliRun snapshotJson = edgekv("admin", "snapshot", "--json");
    CliRun compact = edgekv("admin", "compact");
    CliRun compactJson = edgekv("admin", "compact", "--json");

    assertEquals(List.of("SHARD  INDEX", "0      120", "1      121"), snapshot.stdoutLines());
    assertEquals(Map.of("snapshots", List.of(Map.of("shard", 0, "index", 120), Map.of("shard", 1, "index", 121))),
        snapshotJson.json());
    assertEquals(List.of("BYTES-BEFORE  BYTES-AFTER  SIZE-BEFORE  SIZE-AFTER", "3145728       1536         3.0MiB       1.5KiB"),
        compact.stdoutLines());
    assertEquals(List.of("bytesBefore", "bytesAfter"), List.copyOf(compactJson.json().keySet()));
    assertEquals(3145728, compactJson.json().get("bytesBefore"));
  }

  @Test
  void lagAndRepairPrintTablesJsonAndFailWhenARegionIsUnreachable() {
    CliRun lag = edgekv("admin", "lag");
    CliRun lagJson = edgekv("admin", "lag", "--json");
    CliRun repairOne = edgekv("admin", "repair", "--region", "us-east", "--json");
    CliRun repairAll = edgekv("admin", "repair");

    assertEquals(0, lag.exitCode(), lag.toString());
    assertEquals(List.of("TO-REGION  SHARD  ENTRIES  SECONDS  NEEDS-REPAIR  MEASURED-BY",
        "us-east    0      12       0.250    no            eu-west-0"), lag.stdoutLines());
    assertEquals(List.of(Map.of("toRegion", "us-east", "shard", 0, "entries", 12, "seconds", 0.25,
        "needsRepair", false, "measuredBy", "eu-west-0")), lagJson.json().get("lags"));
    assertEquals(0, repairOne.exitCode(), repairOne.toString());
    assertEquals(1, ((List<?>) repairOne.json().get("repairs")).size());
    assertEquals(ExitCodes.UNAVAILABLE, repairAll.exitCode(), repairAll.toString());
    assertTrue(repairAll.stdout().contains("failed: UNAVAILABLE: link down"), repairAll.stdout());
  }

  @Test
  void drainAndUndrainPrintTheNodesStatus() {
    CliRun drain = edgekv("admin", "drain", "--json");
    CliRun table = edgekv("admin", "drain");
    CliRun undrain = edgekv("admin", "undrain", "--json");

    assertEquals(0, drain.exitCode(), drain.toString());
    Map<String, Object> node = drain.json();
    assertEquals(List.of("id", "region", "ready", "reachable", "draining", "publicAddress", "httpAddress",
        "notReadyReasons", "degradedReasons", "alive", "livenessFailures", "recordsUnderOldKeys", "error", "groups"),
        List.copyOf(node.keySet()));
    assertEquals(true, node.get("draining"));
    assertEquals(false, node.get("ready"));
    assertTrue(table.stdoutLines().get(1).startsWith("eu-west-0  eu-west  no "), table.toString());
    assertTrue(table.stdoutLines().get(1).endsWith("draining"), table.toString());
    assertEquals(false, undrain.json().get("draining"));
    List<DrainRequest> sent = server.requestsOf(DrainRequest.class);
    assertEquals(List.of(true, true, false), sent.stream().map(DrainRequest::getDrain).toList());
  }

  @Test
  void configPrintsTheYamlAndJsonAlsoParsesIt() {
    CliRun yaml = edgekv("admin", "config");
    CliRun json = edgekv("admin", "config", "--json");

    assertEquals(0, yaml.exitCode(), yaml.toString());
    assertEquals(FakeEdgeKvServer.CONFIG_YAML, yaml.stdout());
    @SuppressWarnings("unchecked")
    Map<String, Object> config = (Map<String, Object>) json.json().get("config");
    assertEquals("eu-west-0", config.get("nodeId"));
    assertEquals(Map.of("maxValueBytes", 1048576), config.get("limits"));
    assertEquals(FakeEdgeKvServer.CONFIG_YAML, json.json().get("yaml"));
  }

  @Test
  void traceFlagsTheNodeWhoseVersionDiffersAndListsTheUnreachableOne() {
    String version = edgekv("kv", "put", "k", "hello", "-n", "tenant").stdout().strip();

    CliRun table = edgekv("admin", "trace", "k", "-n", "tenant");
    CliRun json = edgekv("admin", "trace", "k", "-n", "tenant", "--json");

    assertEquals(0, table.exitCode(), table.toString());
    List<String> lines = table.stdoutLines();
    assertEquals(4, lines.size(), table.toString());
    assertTrue(lines.get(0).matches("NODE +REGION +STATE +VERSION +DIGEST +APPLIED +AS-OF-HLC +NOTE"), table.toString());
    assertTrue(lines.get(1).matches("eu-west-0 +eu-west +found +" + version + " +2cf24dba5fb0 +120 +\\d+ +-"),
        table.toString());
    assertTrue(lines.get(2).contains(" found ") && lines.get(2).endsWith("DIFFERS from newest " + version),
        table.toString());
    assertTrue(lines.get(3).matches("us-east-0 +us-east +unreachable +- +- +- +- +UNAVAILABLE: io exception"),
        table.toString());
    assertEquals("tenant", server.requestsOf(TraceRequest.class).get(0).getNamespace());

    Map<String, Object> trace = json.json();
    assertEquals(List.of("namespace", "key", "newestVersion", "converged", "nodes"), List.copyOf(trace.keySet()));
    assertEquals(version, trace.get("newestVersion"));
    assertEquals(false, trace.get("converged"));
    List<Map<String, Object>> nodes = list(trace.get("nodes"));
    assertEquals(List.of("node", "region", "reachable", "error", "state", "found", "deleted", "version", "digest",
        "expiresAt", "appliedIndex", "asOfHlc", "differs"), List.copyOf(nodes.get(0).keySet()));
    assertEquals(List.of(false, true, false), nodes.stream().map(n -> n.get("differs")).toList());
    assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", nodes.get(0).get("digest"));
  }

  @Test
  void traceOfAKeyFoundNowhereStillPrintsTheTraceAndExitsOne() {
    edgekv("kv", "put", "k", "v");
    edgekv("kv", "delete", "k");

    CliRun deleted = edgekv("admin", "trace", "k", "--json");
    CliRun absent = edgekv("admin", "trace", "never");

    assertEquals(ExitCodes.NOT_FOUND, deleted.exitCode(), deleted.toString());
    assertEquals(true, deleted.json().get("converged"));
    assertEquals(List.of("deleted", "deleted", "unreachable"),
        list(deleted.json().get("nodes")).stream().map(n -> n.get("state")).toList());
    deleted.assertOneErrorLine("error: NOT_FOUND: key 'k' not found on any node in namespace 'default'");
    assertEquals(ExitCodes.NOT_FOUND, absent.exitCode(), absent.toString());
    assertEquals(4, absent.stdoutLines().size(), absent.toString());
    assertTrue(absent.stdoutLines().get(1).contains(" absent "), absent.toString());
  }

  @Test
  void failuresOfAdminCallsMapToTheContractsExitCodes() throws IOException {
    server.nextAdminFailure = Status.INTERNAL.withDescription("checkpoint failed: disk full");
    CliRun internal = edgekv("admin", "snapshot");
    server.nextAdminFailure = Status.UNAVAILABLE.withDescription("node is stopping");
    CliRun unavailable = edgekv("admin", "compact");
    server.nextAdminFailure = Status.FAILED_PRECONDITION.withDescription("a configuration change is in progress");
    CliRun refused = edgekv("admin", "add-node", "--id", "n", "--host", "h", "--raft-port", "1");
    CliRun dead = CliRun.run(Map.of(), NO_INPUT, "--endpoint", "127.0.0.1:" + deadPort(), "admin", "drain");

    assertEquals(ExitCodes.INTERNAL, internal.exitCode(), internal.toString());
    assertEquals(List.of("error: INTERNAL: checkpoint failed: disk full"), internal.stderrLines());
    assertEquals(ExitCodes.UNAVAILABLE, unavailable.exitCode(), unavailable.toString());
    assertEquals(List.of("error: UNAVAILABLE: node is stopping"), unavailable.stderrLines());
    // Not retried: an admin call acts on the node asked.
    assertEquals(1, server.requestsOf(io.edgekv.api.v1.CompactRequest.class).size());
    assertEquals(ExitCodes.REFUSED, refused.exitCode(), refused.toString());
    assertEquals(ExitCodes.UNAVAILABLE, dead.exitCode(), dead.toString());
    dead.assertOneErrorLine("error: UNAVAILABLE: ");
    assertEquals("", internal.stdout() + unavailable.stdout() + refused.stdout() + dead.stdout());
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "members", "transfer-leader", "add-node", "remove-node", "snapshot", "compact",
      "drain", "undrain", "config", "trace"})
  void everyAdminCommandHasHelp(String command) {
    CliRun run = CliRun.run(Map.of(), NO_INPUT, "admin", command, "--help");

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.stdout().startsWith("Usage: edgekv admin " + command), run.toString());
    assertTrue(run.stdout().contains("--json"), run.toString());
  }
}
