package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KvTouchTxnCommandTest {

  private static final byte[] NO_INPUT = new byte[0];

  private FakeEdgeKvServer server;

  @TempDir
  Path dir;

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

  private CliRun txnFromStdin(String document, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "kv";
    all[1] = "txn";
    all[2] = "-";
    System.arraycopy(args, 0, all, 3, args.length);
    return CliRun.against(server.endpoint(), document.getBytes(StandardCharsets.UTF_8), all);
  }

  @Test
  void touchPrintsTheNewVersionAndJsonHasTheWriteFields() {
    String put = edgekv("kv", "put", "k", "v").stdout().strip();

    CliRun touch = edgekv("kv", "touch", "k", "--ttl", "30s");
    CliRun json = edgekv("kv", "touch", "k", "--ttl", "1m", "--json", "--request-id", "touch-1");

    assertEquals(0, touch.exitCode(), touch.toString());
    assertTrue(touch.stdout().matches("\\d+@eu-west\n"), touch.toString());
    assertFalse(touch.stdout().strip().equals(put), touch.toString());
    assertEquals(0, json.exitCode(), json.toString());
    Map<String, Object> result = json.json();
    assertEquals(List.of("found", "key", "version", "expiresAt", "sessionToken", "node", "region"),
        List.copyOf(result.keySet()));
    assertEquals(true, result.get("found"));
    assertEquals("2026-01-01T00:01:00Z", result.get("expiresAt"));
    List<TouchRequest> sent = server.requestsOf(TouchRequest.class);
    assertEquals(30_000, sent.get(0).getTtlMs());
    assertEquals("touch-1", sent.get(1).getRequestId());
  }

  @Test
  void touchOfAMissingKeyExitsOneWithNothingOnStdout() {
    CliRun touch = edgekv("kv", "touch", "absent", "--ttl", "30s");
    CliRun json = edgekv("kv", "touch", "absent", "--ttl", "30s", "--json");

    assertEquals(ExitCodes.NOT_FOUND, touch.exitCode(), touch.toString());
    assertEquals("", touch.stdout());
    assertEquals(List.of("error: NOT_FOUND: key 'absent' not found in namespace 'default'"), touch.stderrLines());
    assertEquals(ExitCodes.NOT_FOUND, json.exitCode(), json.toString());
    assertEquals(false, json.json().get("found"));
    assertNull(json.json().get("version"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"kv touch k", "kv touch k --ttl 500ms", "kv touch k --ttl soon", "kv touch --ttl 30s",
      "kv txn", "kv txn a b"})
  void touchAndTxnUsageErrorsExitTwo(String line) {
    CliRun run = edgekv(line.split(" "));

    assertEquals(ExitCodes.USAGE, run.exitCode(), run.toString());
    assertEquals("", run.stdout());
    run.assertOneErrorLine("error: USAGE: ");
  }

  @Test
  void txnFromAFileAppliesEveryOpWithOneVersion() throws IOException {
    String a = (String) edgekv("kv", "put", "a", "0", "--json").json().get("version");
    edgekv("kv", "put", "c", "gone");
    Path file = dir.resolve("txn.json");
    Files.writeString(file, """
        {"checks": [{"key": "a", "ifVersion": "%s"}, {"key": "b", "ifAbsent": true}],
         "ops": [{"put": {"key": "a", "value": "1", "ttl": "30s", "tags": ["t"], "metadata": {"owner": "ops"}}},
                 {"put": {"key": "b", "valueBase64": "/w=="}},
                 {"delete": {"key": "c"}}]}
        """.formatted(a));

    CliRun txn = edgekv("kv", "txn", file.toString());

    assertEquals(0, txn.exitCode(), txn.toString());
    String version = txn.stdout().strip();
    assertTrue(version.matches("\\d+@eu-west"), txn.toString());
    assertEquals(version, edgekv("kv", "get", "a", "--json").json().get("version"));
    assertEquals("/w==", edgekv("kv", "get", "b", "--json").json().get("valueBase64"));
    assertEquals(ExitCodes.NOT_FOUND, edgekv("kv", "get", "c").exitCode());
    TxnRequest sent = server.requestsOf(TxnRequest.class).get(0);
    assertEquals(2, sent.getChecksCount());
    assertEquals(a, sent.getChecks(0).getCondition().getIfVersion().getHlc() + "@eu-west");
    assertTrue(sent.getChecks(1).getCondition().getIfAbsent());
    assertEquals(30_000, sent.getOps(0).getPut().getTtlMs());
    assertEquals(List.of("t"), sent.getOps(0).getPut().getTagsList());
    assertEquals("ops", sent.getOps(0).getPut().getMetadataMap().get("owner"));
    assertEquals(TxnOp.OpCase.DELETE, sent.getOps(2).getOpCase());
    assertFalse(sent.getRequestId().isEmpty());
  }

  @Test
  void txnFromStdinPrintsTheWriteFieldsAsJson() {
    CliRun txn = txnFromStdin("{\"ops\":[{\"put\":{\"key\":\"a\",\"value\":\"1\"}}]}", "--json", "--request-id", "t-9");

    assertEquals(0, txn.exitCode(), txn.toString());
    Map<String, Object> json = txn.json();
    assertEquals(List.of("version", "sessionToken", "node", "region"), List.copyOf(json.keySet()));
    assertEquals("node-0", json.get("node"));
    assertEquals("eu-west", json.get("region"));
    assertEquals("t-9", server.requestsOf(TxnRequest.class).get(0).getRequestId());
  }

  @Test
  void txnWhoseCheckFailsExitsThreeNamingTheKeyAndWritesNothing() {
    edgekv("kv", "put", "a", "0");

    CliRun txn = txnFromStdin("{\"checks\":[{\"key\":\"a\",\"ifAbsent\":true}],"
        + "\"ops\":[{\"put\":{\"key\":\"b\",\"value\":\"1\"}}]}");

    assertEquals(ExitCodes.REFUSED, txn.exitCode(), txn.toString());
    assertEquals("", txn.stdout());
    txn.assertOneErrorLine("error: FAILED_PRECONDITION: key 'a' has version ");
    assertEquals(ExitCodes.NOT_FOUND, edgekv("kv", "get", "b").exitCode());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "not json|stdin: $: not a JSON document: ",
      "[]|stdin: $: must be an object, got an array",
      "{}|stdin: $.ops: missing; a transaction needs at least one op",
      "{\"ops\":[]}|stdin: $.ops: empty; a transaction needs at least one op",
      "{\"ops\":[],\"ops\":[]}|stdin: $: not a JSON document: Duplicate field 'ops'",
      "{\"ops\":[{\"upsert\":{\"key\":\"a\"}}]}|stdin: $.ops[0]: must be an object with exactly one of \"put\" or \"delete\"",
      "{\"ops\":[{\"put\":{\"key\":\"a\"}}]}|stdin: $.ops[0].put: needs value (or valueBase64)",
      "{\"ops\":[{\"put\":{\"key\":\"\",\"value\":\"1\"}}]}|stdin: $.ops[0].put.key: must not be empty",
      "{\"ops\":[{\"put\":{\"key\":\"a\",\"value\":1}}]}|stdin: $.ops[0].put.value: must be a string, got a number",
      "{\"ops\":[{\"put\":{\"key\":\"a\",\"valueBase64\":\"!!\"}}]}|stdin: $.ops[0].put.valueBase64: not valid base64",
      "{\"ops\":[{\"put\":{\"key\":\"a\",\"value\":\"1\",\"ttl\":\"5x\"}}]}|stdin: $.ops[0].put.ttl: '5x' is not a duration",
      "{\"ops\":[{\"put\":{\"key\":\"a\",\"value\":\"1\",\"ttl\":\"500ms\"}}]}|stdin: $.ops[0].put.ttl: must be at least 1s",
      "{\"ops\":[{\"put\":{\"key\":\"a\",\"value\":\"1\",\"tags\":[\"\"]}}]}|stdin: $.ops[0].put.tags[0]: must not be empty",
      "{\"ops\":[{\"put\":{\"key\":\"a\",\"value\":\"1\"}},{\"delete\":{\"key\":\"a\"}}]}|stdin: $.ops[1]: key 'a' is already written",
      "{\"checks\":[{\"key\":\"a\",\"ifVersion\":\"yesterday\"}],\"ops\":[{\"delete\":{\"key\":\"a\"}}]}|stdin: $.checks[0].ifVersion: expected <hlc>@<region>",
      "{\"checks\":[{\"key\":\"a\",\"ifabsent\":true}],\"ops\":[{\"delete\":{\"key\":\"a\"}}]}|stdin: $.checks[0].ifabsent: unknown field",
      "{\"checks\":[{\"key\":\"a\",\"ifAbsent\":false}],\"ops\":[{\"delete\":{\"key\":\"a\"}}]}|stdin: $.checks[0].ifAbsent: must be true",
      "{\"checks\":[{\"key\":\"a\"}],\"ops\":[{\"delete\":{\"key\":\"a\"}}]}|stdin: $.checks[0]: needs a condition: ifVersion or ifAbsent",
  })
  void malformedDocumentIsAUsageErrorNamingTheJsonPath(String document, String message) {
    CliRun txn = txnFromStdin(document);

    assertEquals(ExitCodes.USAGE, txn.exitCode(), txn.toString());
    assertEquals("", txn.stdout());
    txn.assertOneErrorLine("error: USAGE: " + message);
    assertEquals(List.of(), server.requestsOf(TxnRequest.class));
  }

  @Test
  void missingFileIsAUsageError() {
    CliRun txn = edgekv("kv", "txn", dir.resolve("nope.json").toString());

    assertEquals(ExitCodes.USAGE, txn.exitCode(), txn.toString());
    txn.assertOneErrorLine("error: USAGE: FILE: '" + dir.resolve("nope.json") + "' does not exist");
  }

  @Test
  void txnHelpDocumentsTheFormat() {
    CliRun help = CliRun.run(Map.of(), NO_INPUT, "kv", "txn", "--help");

    assertEquals(0, help.exitCode(), help.toString());
    assertTrue(help.stdout().contains("\"ifAbsent\": true"), help.toString());
    assertTrue(help.stdout().contains("valueBase64"), help.toString());
  }
}
