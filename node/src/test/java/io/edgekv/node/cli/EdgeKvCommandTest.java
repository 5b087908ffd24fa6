package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.client.EdgeKvClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EdgeKvCommandTest {

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
    return edgekvWithInput(NO_INPUT, args);
  }

  private CliRun edgekvWithInput(byte[] stdin, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--endpoint";
    all[1] = server.endpoint();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRun.run(Map.of(), stdin, all);
  }

  private static void assertOneErrorLine(CliRun run, String prefix) {
    assertEquals(1, run.stderrLines().size(), run.toString());
    assertTrue(run.stderrLines().get(0).startsWith(prefix), run.toString());
  }

  @Test
  void putThenGetPrintsTheVersionThenTheValueAlone() {
    CliRun put = edgekv("kv", "put", "greeting", "hello");
    CliRun get = edgekv("kv", "get", "greeting");

    assertEquals(0, put.exitCode(), put.toString());
    assertTrue(put.stdout().matches("\\d+@eu-west\n"), put.toString());
    assertEquals(0, get.exitCode(), get.toString());
    assertEquals("hello\n", get.stdout());
    assertEquals("", get.stderr());
  }

  @Test
  void getOfAMissingKeyExitsOneWithNothingOnStdoutAndOneErrorLine() {
    CliRun get = edgekv("kv", "get", "absent");

    assertEquals(ExitCodes.NOT_FOUND, get.exitCode(), get.toString());
    assertEquals("", get.stdout());
    assertEquals(List.of("error: NOT_FOUND: key 'absent' not found in namespace 'default'"), get.stderrLines());
  }

  @Test
  void getJsonOfAMissingKeySaysFoundFalseAndStillExitsOne() {
    CliRun get = edgekv("kv", "get", "absent", "--json");

    assertEquals(ExitCodes.NOT_FOUND, get.exitCode(), get.toString());
    Map<String, Object> json = get.json();
    assertEquals(false, json.get("found"));
    assertEquals("absent", json.get("key"));
    assertTrue(json.containsKey("value"));
    assertNull(json.get("value"));
    assertNull(json.get("version"));
  }

  @Test
  void putJsonHasTheCommonFieldsAndItsVersionIsAcceptedBackByIfVersion() {
    CliRun put = edgekv("--json", "kv", "put", "k", "v1");

    assertEquals(0, put.exitCode(), put.toString());
    Map<String, Object> json = put.json();
    assertEquals(List.of("key", "value", "version", "sessionToken", "node", "region"), List.copyOf(json.keySet()));
    assertEquals("k", json.get("key"));
    assertEquals("v1", json.get("value"));
    assertEquals("node-0", json.get("node"));
    assertEquals("eu-west", json.get("region"));
    assertEquals("st-1", json.get("sessionToken"));

    String version = (String) json.get("version");
    CliRun conditional = edgekv("kv", "put", "k", "v2", "--if-version", version);
    CliRun stale = edgekv("kv", "put", "k", "v3", "--if-version", version);

    assertEquals(0, conditional.exitCode(), conditional.toString());
    assertEquals(ExitCodes.REFUSED, stale.exitCode(), stale.toString());
    assertOneErrorLine(stale, "error: FAILED_PRECONDITION: key 'k' has version ");
    assertEquals("", stale.stdout());
  }

  @Test
  void getJsonHasEveryReadField() {
    edgekv("kv", "put", "k", "hello", "--ttl", "30s", "--tag", "red", "--tag", "blue", "--meta", "owner=ops");

    CliRun get = edgekv("kv", "get", "k", "--json", "--consistency", "strong");

    assertEquals(0, get.exitCode(), get.toString());
    Map<String, Object> json = get.json();
    assertEquals(List.of("found", "key", "value", "version", "sessionToken", "node", "region", "consistency",
        "asOf", "asOfHlc", "metadata", "tags", "expiresAt", "digest"), List.copyOf(json.keySet()));
    assertEquals(true, json.get("found"));
    assertEquals("hello", json.get("value"));
    assertEquals("strong", json.get("consistency"));
    assertEquals(42, json.get("asOf"));
    assertEquals(Map.of("owner", "ops"), json.get("metadata"));
    assertEquals(List.of("red", "blue"), json.get("tags"));
    assertEquals("2026-01-01T00:00:30Z", json.get("expiresAt"));
    assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", json.get("digest"));
    assertEquals(io.edgekv.api.v1.Consistency.STRONG,
        server.requestsOf(GetRequest.class).get(0).getRead().getConsistency());
  }

  @Test
  void valueThatIsNotUtf8IsPrintedAsValueBase64AndRawWithoutJson() {
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
    CliRun put = edgekvWithInput(binary, "kv", "put", "bin", "-", "--json");
    CliRun getJson = edgekv("kv", "get", "bin", "--json");
    CliRun getRaw = edgekv("kv", "get", "bin");

    assertEquals(0, put.exitCode(), put.toString());
    assertEquals(Base64.getEncoder().encodeToString(binary), put.json().get("valueBase64"));
    assertFalse(put.json().containsKey("value"));
    assertEquals(Base64.getEncoder().encodeToString(binary), getJson.json().get("valueBase64"));
    assertFalse(getJson.json().containsKey("value"));
    assertArrayEquals(binary, getRaw.stdoutBytes());
  }

  @Test
  void valueDashIsReadFromStdin() {
    edgekvWithInput("from stdin".getBytes(StandardCharsets.UTF_8), "kv", "put", "k", "-");

    assertEquals("from stdin\n", edgekv("kv", "get", "k").stdout());
  }

  @Test
  void refusedWriteExitsThreeWithOneLineNamingTheFieldAndTheLimit() {
    CliRun put = edgekv("kv", "put", "k", "x".repeat(100));

    assertEquals(ExitCodes.REFUSED, put.exitCode(), put.toString());
    assertEquals("", put.stdout());
    assertEquals(List.of("error: INVALID_ARGUMENT: value is 100 bytes; the limit is 64 bytes"), put.stderrLines());
  }

  @Test
  void putIfAbsentOnAnExistingKeyExitsThree() {
    edgekv("kv", "put", "k", "v");

    CliRun again = edgekv("kv", "put", "k", "v", "--if-absent");

    assertEquals(ExitCodes.REFUSED, again.exitCode(), again.toString());
    assertOneErrorLine(again, "error: FAILED_PRECONDITION: ");
  }

  @Test
  void deadEndpointFailsFastWithExitFour() throws IOException {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    long start = System.nanoTime();

    CliRun get = CliRun.run(Map.of(), NO_INPUT, "kv", "get", "k", "--endpoint", "127.0.0.1:" + deadPort, "--timeout", "60s");

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(ExitCodes.UNAVAILABLE, get.exitCode(), get.toString());
    assertEquals("", get.stdout());
    assertOneErrorLine(get, "error: UNAVAILABLE: ");
    // Fast means: refused connections end the call, it does not wait out its 60 s deadline (the
    // margin is wide so that a loaded machine's slow JVM start does not count).
    assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "took " + took);
  }

  @Test
  void unresolvableEndpointGivesExitFourAndOnlyTheErrorLine() {
    CliRun get = CliRun.run(Map.of(), NO_INPUT, "kv", "get", "k", "--endpoint", "no-such-host.invalid:7400",
        "--timeout", "2s");

    assertEquals(ExitCodes.UNAVAILABLE, get.exitCode(), get.toString());
    assertEquals(1, get.stderrLines().size(), get.toString());
    assertTrue(get.stderrLines().get(0).matches("error: (UNAVAILABLE|DEADLINE_EXCEEDED): .*"), get.toString());
  }

  @Test
  void callsFailOverFromADeadEndpointToALiveOne() throws IOException {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }

    CliRun put = CliRun.run(Map.of(), NO_INPUT,
        "--endpoints", "127.0.0.1:" + deadPort + "," + server.endpoint(), "kv", "put", "k", "v");

    assertEquals(0, put.exitCode(), put.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "kv get",
      "kv get k --bogus",
      "kv get k --timeout 5x",
      "kv get k --consistency sometimes",
      "kv get k --consistency bounded",
      "kv put k v --if-absent --if-version 1@eu-west",
      "kv put k v --if-version yesterday",
      "kv put k v --ttl 500ms",
      "kv scan p --limit -1",
      "bench --read-ratio 2",
      "bench purge --from 127.0.0.1:1 --watch 127.0.0.1:2 --by bogus",
      "bench purge --from 127.0.0.1:1 --watch 127.0.0.1:2 --watchers 0",
      "bench near-cache --keys 0",
  })
  void usageErrorsExitTwoWithOneErrorLine(String line) {
    CliRun run = edgekv(line.split(" "));

    assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
    assertEquals("", run.stdout());
    assertOneErrorLine(run, "error: USAGE: ");
  }

  @Test
  void malformedEndpointIsAUsageErrorNamingTheOption() {
    CliRun run = CliRun.run(Map.of(), NO_INPUT, "kv", "get", "k", "--endpoints", "127.0.0.1:7400,nohost");
    CliRun fromEnv = CliRun.run(Map.of("EDGEKV_ENDPOINTS", "nohost"), NO_INPUT, "kv", "get", "k");
    CliRun both = CliRun.run(Map.of(), NO_INPUT, "kv", "get", "k", "--endpoints", "127.0.0.1:7400",
        "--endpoint", "127.0.0.1:99999");

    assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
    assertOneErrorLine(run, "error: USAGE: --endpoints: expected HOST:PORT, got 'nohost'");
    assertEquals(ExitCodes.USAGE, fromEnv.exitCode(), fromEnv.toString());
    assertOneErrorLine(fromEnv, "error: USAGE: EDGEKV_ENDPOINTS: expected HOST:PORT, got 'nohost'");
    assertOneErrorLine(both, "error: USAGE: --endpoint: port must be between 1 and 65535, got '127.0.0.1:99999'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "kv --help", "kv put --help", "help kv", "admin status --help",
      "bench --help", "bench purge --help", "bench near-cache --help", "serve --help", "dev --help", "--version"})
  void helpExitsZeroWithoutContactingAServer(String line) {
    CliRun run = CliRun.run(Map.of(), NO_INPUT, line.split(" "));

    assertEquals(0, run.exitCode(), run.toString());
    assertFalse(run.stdout().isEmpty(), run.toString());
    assertEquals("", run.stderr());
  }

  @Test
  void commandWithoutSubcommandPrintsUsageOnStderrAndExitsTwo() {
    CliRun run = CliRun.run(Map.of(), NO_INPUT, "kv");

    assertEquals(ExitCodes.USAGE, run.exitCode());
    assertEquals("", run.stdout());
    assertTrue(run.stderr().contains("Usage: edgekv kv"), run.toString());
  }

  @Test
  void globalOptionsAreAcceptedAnywhereOnTheLine() {
    edgekv("kv", "put", "k", "v", "-n", "tenant-a");

    for (String[] line : List.of(
        new String[] {"--json", "-n", "tenant-a", "kv", "get", "k"},
        new String[] {"kv", "--json", "get", "-n", "tenant-a", "k"},
        new String[] {"kv", "get", "k", "--namespace", "tenant-a", "--json", "--timeout", "2s"})) {
      CliRun run = edgekv(line);
      assertEquals(0, run.exitCode(), run.toString());
      assertEquals("v", run.json().get("value"), run.toString());
    }
    assertTrue(server.requestsOf(GetRequest.class).stream().allMatch(r -> r.getNamespace().equals("tenant-a")));
    assertEquals("tenant-a", server.requestsOf(PutRequest.class).get(0).getNamespace());
  }

  @Test
  void endpointsComeFromTheEnvironmentWhenNoOptionNamesThem() {
    CliRun run = CliRun.run(Map.of("EDGEKV_ENDPOINTS", server.endpoint()), NO_INPUT, "kv", "put", "k", "v");

    assertEquals(0, run.exitCode(), run.toString());
    assertEquals(1, server.requestsOf(PutRequest.class).size());
  }

  @Test
  void deletePrintsTheTombstoneVersionAndJsonSaysWhetherTheKeyExisted() {
    edgekv("kv", "put", "k", "v");

    CliRun delete = edgekv("kv", "delete", "k", "--json");
    CliRun again = edgekv("kv", "delete", "k");

    assertEquals(0, delete.exitCode(), delete.toString());
    Map<String, Object> json = delete.json();
    assertEquals(List.of("key", "existed", "version", "sessionToken", "node", "region"), List.copyOf(json.keySet()));
    assertEquals(true, json.get("existed"));
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.stdout().matches("\\d+@eu-west\n"), again.toString());
    assertEquals(1, edgekv("kv", "get", "k").exitCode());
  }

  @Test
  void scanPrintsOneLinePerEntryAcrossPages() {
    try (EdgeKvClient client = EdgeKvClient.builder().endpoint(server.endpoint()).build()) {
      for (int i = 0; i < 150; i++) {
        client.put(String.format("p/%03d", i), "v" + i);
      }
      client.put("q/1", "other");
    }

    CliRun all = edgekv("kv", "scan", "p/");
    CliRun limited = edgekv("kv", "scan", "p/", "--limit", "3", "--keys-only");
    CliRun json = edgekv("kv", "scan", "p/", "--limit", "2", "--json");

    assertEquals(0, all.exitCode(), all.toString());
    assertEquals(150, all.stdoutLines().size());
    assertEquals("p/000\tv0", all.stdoutLines().get(0));
    assertEquals("p/149\tv149", all.stdoutLines().get(149));
    assertEquals(List.of("p/000", "p/001", "p/002"), limited.stdoutLines());
    assertEquals(2, json.stdoutLines().size());
    Map<String, Object> first = CliRun.parse(json.stdoutLines().get(0));
    assertEquals("p/000", first.get("key"));
    assertEquals("v0", first.get("value"));
    assertTrue(first.containsKey("version") && first.containsKey("digest") && first.containsKey("asOf"));
  }

  @Test
  void adminStatusJsonListsEveryNodeWithItsGroups() {
    CliRun run = edgekv("admin", "status", "--json");

    assertEquals(0, run.exitCode(), run.toString());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> nodes = (List<Map<String, Object>>) run.json().get("nodes");
    assertEquals(2, nodes.size());
    Map<String, Object> follower = nodes.get(1);
    assertEquals("eu-west-1", follower.get("id"));
    assertEquals(false, follower.get("ready"));
    assertEquals(true, follower.get("reachable"));
    assertEquals("127.0.0.1:7401", follower.get("publicAddress"));
    assertEquals("127.0.0.1:7501", follower.get("httpAddress"));
    assertEquals(List.of("catching up"), follower.get("notReadyReasons"));
    @SuppressWarnings("unchecked")
    Map<String, Object> group = ((List<Map<String, Object>>) follower.get("groups")).get(0);
    assertEquals(0, group.get("shard"));
    assertEquals("FOLLOWER", group.get("role"));
    assertEquals("eu-west-0", group.get("leader"));
    assertEquals(97, group.get("appliedIndex"));
    assertEquals(120, group.get("commitIndex"));
    assertEquals(3, group.get("term"));
    assertEquals(List.of("eu-west-0", "eu-west-1"), group.get("peers"));
  }

  @Test
  void adminStatusTableIsAlignedWithOneRowPerNodeAndShard() {
    CliRun run = edgekv("admin", "status");
    CliRun local = edgekv("admin", "status", "--local");

    assertEquals(0, run.exitCode(), run.toString());
    List<String> lines = run.stdoutLines();
    assertEquals(3, lines.size(), run.toString());
    assertTrue(lines.get(0).startsWith("ID "), run.toString());
    int applied = lines.get(0).indexOf("APPLIED");
    assertEquals("120", lines.get(1).substring(applied, applied + 3), run.toString());
    assertEquals("97 ", lines.get(2).substring(applied, applied + 3), run.toString());
    assertTrue(lines.get(2).contains("follower") && lines.get(2).endsWith("catching up"), run.toString());
    assertEquals(2, local.stdoutLines().size());
    assertTrue(server.requestsOf(StatusRequest.class).get(1).getLocal());
  }

  @Test
  void benchPreloadsTheKeysAndReportsThroughputAndPercentilesAsOneJsonObject() {
    CliRun run = edgekv("bench", "--duration", "300ms", "--keys", "20", "--concurrency", "2",
        "--value-size", "16", "--read-ratio", "0.5", "--json");

    assertEquals(0, run.exitCode(), run.toString());
    Map<String, Object> json = run.json();
    @SuppressWarnings("unchecked")
    Map<String, Object> reads = (Map<String, Object>) json.get("read");
    @SuppressWarnings("unchecked")
    Map<String, Object> writes = (Map<String, Object>) json.get("write");
    assertTrue(((Number) reads.get("count")).longValue() > 0, run.toString());
    assertTrue(((Number) writes.get("count")).longValue() > 0, run.toString());
    assertEquals(0, ((Number) reads.get("misses")).intValue());
    assertTrue(reads.keySet().containsAll(List.of("p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs", "throughput")));
    assertEquals(Map.of(), json.get("errors"));
    assertTrue(server.requestsOf(PutRequest.class).stream().allMatch(r -> r.getKey().toStringUtf8().startsWith("bench/")));
    assertTrue(server.requestsOf(PutRequest.class).size() >= 20);
  }

  @Test
  void benchHumanOutputIsATableOnStdoutWithProgressOnStderr() {
    CliRun run = edgekv("bench", "--duration", "200ms", "--keys", "5", "--concurrency", "1", "--value-size", "16");

    assertEquals(0, run.exitCode(), run.toString());
    List<String> lines = run.stdoutLines();
    assertTrue(lines.get(1).startsWith("op "), run.toString());
    assertTrue(lines.get(2).startsWith("read "), run.toString());
    assertTrue(lines.get(3).startsWith("write "), run.toString());
    assertEquals("errors: none", lines.get(lines.size() - 1));
    assertTrue(run.stderr().startsWith("bench: preloading 5 keys"), run.toString());
  }
}
