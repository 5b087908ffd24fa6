package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ScanRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EdgeKvClientTest {

  private InProcessFleet fleet;
  private EdgeKvClient client;

  @BeforeEach
  void start() throws Exception {
    fleet = new InProcessFleet(2);
    client = fleet.clientBuilder().build();
  }

  @AfterEach
  void stop() {
    client.close();
    fleet.close();
  }

  private static StatusRuntimeException unavailable() {
    return Status.UNAVAILABLE.withDescription("node is draining").asRuntimeException();
  }

  @Test
  void putThenGetReturnsTheValueAndVersion() {
    PutResult put = client.put("greeting", "hello");
    GetResult got = client.get("greeting");

    assertTrue(got.found());
    assertEquals("hello", got.valueAsString());
    assertEquals(put.version(), got.version());
    assertEquals("node-0", got.servedBy().node());
    assertEquals(Consistency.EVENTUAL, got.servedBy().consistency());
    assertEquals(7, got.servedBy().appliedIndex());
  }

  @Test
  void missIsAResultNotAnError() {
    GetResult got = client.get("absent");

    assertFalse(got.found());
    assertEquals("absent", got.keyAsString());
    assertNull(got.value());
    assertNull(got.version());
    assertTrue(got.tags().isEmpty());
  }

  @Test
  void unavailableMovesTheCallToTheNextEndpointAndTheClientStaysThere() {
    fleet.node(0).nextFailures.add(unavailable());

    PutResult put = client.put("k", "v");
    assertEquals("node-1", put.servedBy().node());
    assertEquals(1, fleet.node(0).requests.size());
    assertEquals(1, fleet.node(1).requests.size());

    // The next call starts from the endpoint that last answered.
    GetResult got = client.get("k");
    assertEquals("node-1", got.servedBy().node());
    assertEquals(1, fleet.node(0).requests.size());
  }

  @Test
  void retriesAreBoundedByMaxAttempts() {
    fleet.node(0).alwaysFail = EdgeKvClientTest::unavailable;
    fleet.node(1).alwaysFail = EdgeKvClientTest::unavailable;

    EdgeKvException e = assertThrows(EdgeKvException.class, () -> client.get("k"));

    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals("node is draining", e.description());
    assertTrue(e.isTransient());
    // 3 attempts, round robin: node-0, node-1, node-0.
    assertEquals(2, fleet.node(0).requests.size());
    assertEquals(1, fleet.node(1).requests.size());
  }

  @Test
  void requestIdIsReusedAcrossRetriesOfOneWriteAndFreshPerWrite() {
    fleet.node(0).nextFailures.add(unavailable());
    client.put("k", "v1");
    client.put("k", "v2");

    String failedAttempt = fleet.node(0).requestsOf(PutRequest.class).get(0).getRequestId();
    List<PutRequest> served = fleet.node(1).requestsOf(PutRequest.class);
    assertFalse(failedAttempt.isEmpty());
    assertEquals(failedAttempt, served.get(0).getRequestId());
    assertNotEquals(failedAttempt, served.get(1).getRequestId());
  }

  @Test
  void deleteRetriesReuseTheCallersRequestId() {
    fleet.node(0).nextFailures.add(unavailable());

    client.delete("k".getBytes(StandardCharsets.UTF_8), DeleteOptions.builder().requestId("req-42").build());

    assertEquals("req-42", fleet.node(0).requestsOf(DeleteRequest.class).get(0).getRequestId());
    assertEquals("req-42", fleet.node(1).requestsOf(DeleteRequest.class).get(0).getRequestId());
  }

  @Test
  void invalidArgumentIsNotRetriedAndItsDetailsAreParsed() {
    com.google.rpc.Status rich = com.google.rpc.Status.newBuilder()
        .setCode(Code.INVALID_ARGUMENT_VALUE)
        .setMessage("value is 2000000 bytes; the limit is 1048576")
        .addDetails(Any.pack(BadRequest.newBuilder()
            .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                .setField("value").setDescription("2000000 bytes exceeds the limit of 1048576"))
            .build()))
        .addDetails(Any.pack(ErrorInfo.newBuilder()
            .setReason("VALUE_TOO_LARGE").setDomain("edgekv.io").putMetadata("limit", "1048576").build()))
        .build();
    fleet.node(0).nextFailures.add(StatusProto.toStatusRuntimeException(rich));

    EdgeKvException e = assertThrows(EdgeKvException.class, () -> client.put("k", "big"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("INVALID_ARGUMENT: value is 2000000 bytes; the limit is 1048576", e.getMessage());
    assertEquals(List.of(new FieldViolation("value", "2000000 bytes exceeds the limit of 1048576")),
        e.fieldViolations());
    assertEquals("VALUE_TOO_LARGE", e.errorReason());
    assertEquals("edgekv.io", e.errorDomain());
    assertEquals("1048576", e.errorMetadata().get("limit"));
    assertFalse(e.isTransient());
    assertEquals(1, fleet.node(0).requests.size());
    assertEquals(0, fleet.node(1).requests.size());
  }

  @Test
  void failedConditionCarriesTheCurrentVersion() {
    fleet.node(0).nextFailures.add(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.FAILED_PRECONDITION_VALUE)
        .setMessage("key 'k' has version 77@eu-west, not 76@eu-west")
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("CONDITION_FAILED")
            .putMetadata("currentVersion", "77@eu-west").build()))
        .build()));
    fleet.node(0).nextFailures.add(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.FAILED_PRECONDITION_VALUE)
        .setMessage("key 'k' does not exist")
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("CONDITION_FAILED").build()))
        .build()));
    PutOptions ifVersion = PutOptions.builder().ifVersion(Version.parse("76@eu-west")).build();
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    byte[] value = "v".getBytes(StandardCharsets.UTF_8);

    ConditionFailedException stale =
        assertThrows(ConditionFailedException.class, () -> client.put(key, value, ifVersion));
    ConditionFailedException absent =
        assertThrows(ConditionFailedException.class, () -> client.put(key, value, ifVersion));

    assertEquals(Status.Code.FAILED_PRECONDITION, stale.code());
    assertEquals(new Version(77, "eu-west"), stale.currentVersion().orElseThrow());
    assertTrue(absent.currentVersion().isEmpty());
    PutRequest sent = fleet.node(0).requestsOf(PutRequest.class).get(0);
    assertEquals(76, sent.getCondition().getIfVersion().getHlc());
    assertEquals(2, fleet.node(0).requests.size());
    assertEquals(0, fleet.node(1).requests.size());
  }

  @Test
  void latestSessionTokenIsSentWithLaterRequestsUnlessTheCallerGivesOne() {
    assertNull(client.sessionToken());

    PutResult put = client.put("k", "v");
    assertEquals("token-node-0-1", put.sessionToken());
    assertEquals("token-node-0-1", client.sessionToken());

    client.get("k".getBytes(StandardCharsets.UTF_8), ReadOptions.of(Consistency.SESSION));
    client.get("k".getBytes(StandardCharsets.UTF_8),
        ReadOptions.builder().consistency(Consistency.SESSION).sessionToken("callers-token").build());
    client.put("k", "v2");
    client.scan("k".getBytes(StandardCharsets.UTF_8), ScanOptions.defaults());

    List<GetRequest> gets = fleet.node(0).requestsOf(GetRequest.class);
    assertEquals("token-node-0-1", gets.get(0).getRead().getSessionToken());
    assertEquals(io.edgekv.api.v1.Consistency.SESSION, gets.get(0).getRead().getConsistency());
    assertEquals("callers-token", gets.get(1).getRead().getSessionToken());
    // The response to the second get carried token 3; the explicit token does not replace it.
    assertEquals("token-node-0-3", fleet.node(0).requestsOf(PutRequest.class).get(1).getSessionToken());
    assertEquals("token-node-0-4", fleet.node(0).requestsOf(ScanRequest.class).get(0).getRead().getSessionToken());
    assertEquals("token-node-0-5", client.sessionToken());
  }

  @Test
  void sessionCanStartFromAnEarlierClientsToken() throws Exception {
    try (EdgeKvClient second = fleet.clientBuilder().sessionToken("carried").build()) {
      second.get("k");
    }
    assertEquals("carried", fleet.node(0).requestsOf(GetRequest.class).get(0).getRead().getSessionToken());
  }

  @Test
  void hungEndpointIsFailedOverWhenAPerAttemptTimeoutIsSet() throws Exception {
    fleet.node(0).hang = true;
    try (EdgeKvClient impatient = fleet.clientBuilder()
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO)
            .perAttemptTimeout(Duration.ofMillis(100)).build())
        .build()) {
      GetResult got = impatient.get("k");
      assertEquals("node-1", got.servedBy().node());
    }
  }

  @Test
  void callDeadlineBoundsAHungCall() throws Exception {
    fleet.node(0).hang = true;
    try (EdgeKvClient c = fleet.clientBuilder().deadline(Duration.ofMillis(100)).build()) {
      EdgeKvException e = assertThrows(EdgeKvException.class, () -> c.get("k"));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
      // The call's own deadline expired: no retry on another endpoint.
      assertEquals(0, fleet.node(1).requests.size());
    }
  }

  @Test
  void asyncCallsCompleteExceptionallyWithEdgeKvException() throws Exception {
    fleet.node(0).nextFailures.add(Status.PERMISSION_DENIED.withDescription("no write right").asRuntimeException());

    CompletableFuture<PutResult> failed = client.putAsync("k", "v");
    ExecutionException e = assertThrows(ExecutionException.class, failed::get);
    EdgeKvException cause = assertInstanceOf(EdgeKvException.class, e.getCause());
    assertEquals(Status.Code.PERMISSION_DENIED, cause.code());

    assertEquals("v", client.putAsync("k", "v").thenCompose(p -> client.getAsync("k")).get().valueAsString());
  }

  @Test
  void scanAllWalksEveryPageInKeyOrder() {
    for (String k : List.of("p/3", "p/1", "q/1", "p/2", "p/5", "p/4")) {
      client.put(k, "value of " + k);
    }

    List<String> keys = client.scanAll("p/".getBytes(StandardCharsets.UTF_8),
            ScanOptions.builder().limit(2).build())
        .map(KvEntry::keyAsString).toList();
    ScanPage first = client.scan("p/".getBytes(StandardCharsets.UTF_8),
        ScanOptions.builder().limit(2).keysOnly(true).build());

    assertEquals(List.of("p/1", "p/2", "p/3", "p/4", "p/5"), keys);
    assertTrue(first.hasMore());
    assertEquals(0, first.entries().get(0).valueSize());
  }

  @Test
  void batchGetKeepsTheOrderOfTheKeys() {
    client.put("a", "1");
    client.put("c", "3");

    List<GetResult> results = client.batchGet(
        List.of("c".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8),
            "a".getBytes(StandardCharsets.UTF_8)),
        ReadOptions.defaults());

    assertEquals(List.of("c", "b", "a"), results.stream().map(GetResult::keyAsString).toList());
    assertEquals(List.of(true, false, true), results.stream().map(GetResult::found).toList());
  }

  @Test
  void putOptionsReachTheServer() {
    client.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().ttl(Duration.ofSeconds(30)).tag("red").metadata("owner", "me").ifAbsent().build());

    PutRequest sent = fleet.node(0).requestsOf(PutRequest.class).get(0);
    assertEquals(30_000, sent.getTtlMs());
    assertEquals(List.of("red"), sent.getTagsList());
    assertEquals("me", sent.getMetadataMap().get("owner"));
    assertTrue(sent.getCondition().getIfAbsent());
    assertEquals("default", sent.getNamespace());
  }

  @Test
  void callsAfterCloseFailWithCancelled() {
    client.close();

    EdgeKvException e = assertThrows(EdgeKvException.class, () -> client.get("k"));
    assertEquals(Status.Code.CANCELLED, e.code());
  }
}
