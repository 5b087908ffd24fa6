package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnRequest;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TouchAndTxnTest {

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

  private static io.grpc.StatusRuntimeException unavailable() {
    return Status.UNAVAILABLE.withDescription("node is draining").asRuntimeException();
  }

  @Test
  void touchOfALiveKeyReturnsItsNewVersionAndExpiry() {
    PutResult put = client.put("k", "v");

    TouchResult touched = client.touch("k", Duration.ofSeconds(30));

    assertTrue(touched.found());
    assertTrue(touched.version().compareTo(put.version()) > 0);
    assertEquals(Instant.ofEpochMilli(FakeKvService.EXPIRY_BASE_MS + 30_000), touched.expiresAt());
    assertEquals("node-0", touched.servedBy().node());
    assertEquals(touched.sessionToken(), client.sessionToken());
    TouchRequest sent = fleet.node(0).requestsOf(TouchRequest.class).get(0);
    assertEquals(30_000, sent.getTtlMs());
    assertEquals("default", sent.getNamespace());
  }

  @Test
  void touchOfAMissingKeyIsAMissNotAnError() {
    TouchResult touched = client.touch("absent", Duration.ofSeconds(5));

    assertFalse(touched.found());
    assertNull(touched.version());
    assertNull(touched.expiresAt());
  }

  @Test
  void touchRetriesReuseOneRequestId() {
    fleet.node(0).nextFailures.add(unavailable());

    client.touch("k".getBytes(StandardCharsets.UTF_8), TouchOptions.builder(Duration.ofSeconds(2)).build());
    client.touch("k".getBytes(StandardCharsets.UTF_8), TouchOptions.builder(Duration.ofSeconds(2)).requestId("t-1").build());

    String failed = fleet.node(0).requestsOf(TouchRequest.class).get(0).getRequestId();
    List<TouchRequest> served = fleet.node(1).requestsOf(TouchRequest.class);
    assertFalse(failed.isEmpty());
    assertEquals(failed, served.get(0).getRequestId());
    assertEquals("t-1", served.get(1).getRequestId());
  }

  @Test
  void touchRejectsATtlUnderOneSecondBeforeAnyCall() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> client.touch("k", Duration.ofMillis(500)));

    assertTrue(e.getMessage().startsWith("ttl must be at least 1s"), e.getMessage());
    assertEquals(0, fleet.node(0).requests.size());
  }

  @Test
  void txnSendsItsChecksAndOpsAndWritesEveryKeyWithOneVersion() {
    Version a = client.put("a", "0").version();

    TxnResult result = client.txn()
        .ifVersion("a", a)
        .ifAbsent("b")
        .put("a", "1")
        .put("b", "2", PutOptions.builder().ttl(Duration.ofSeconds(30)).tag("t").metadata("m", "x").build())
        .delete("c")
        .commit();

    assertEquals(result.version(), client.get("a").version());
    assertEquals(result.version(), client.get("b").version());
    assertEquals(result.sessionToken(), fleet.node(0).requestsOf(io.edgekv.api.v1.GetRequest.class).get(0)
        .getRead().getSessionToken());
    TxnRequest sent = fleet.node(0).requestsOf(TxnRequest.class).get(0);
    assertEquals("default", sent.getNamespace());
    assertEquals(2, sent.getChecksCount());
    assertEquals(a.hlc(), sent.getChecks(0).getCondition().getIfVersion().getHlc());
    assertTrue(sent.getChecks(1).getCondition().getIfAbsent());
    assertEquals(TxnOp.OpCase.PUT, sent.getOps(0).getOpCase());
    assertEquals(30_000, sent.getOps(1).getPut().getTtlMs());
    assertEquals(List.of("t"), sent.getOps(1).getPut().getTagsList());
    assertEquals("x", sent.getOps(1).getPut().getMetadataMap().get("m"));
    assertEquals("c", sent.getOps(2).getDelete().getKey().toStringUtf8());
    assertFalse(sent.getRequestId().isEmpty());
  }

  @Test
  void failedCheckThrowsConditionFailedNamingTheKeyAndWritesNothing() {
    Version v = client.put("a", "0").version();

    ConditionFailedException e = assertThrows(ConditionFailedException.class,
        () -> client.txn().ifAbsent("a").put("b", "1").commit());

    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertEquals("a", e.key().orElseThrow());
    assertEquals(v, e.currentVersion().orElseThrow());
    assertFalse(client.get("b").found());
    assertEquals(1, fleet.node(0).requestsOf(TxnRequest.class).size());
    assertEquals(0, fleet.node(1).requests.size());
  }

  @Test
  void txnRetriesAndRecommitsReuseOneRequestId() {
    fleet.node(0).nextFailures.add(unavailable());
    Txn txn = client.txn().put("a", "1");

    txn.commit();
    txn.commit();
    client.txn().put("a", "2").commit();

    String first = fleet.node(0).requestsOf(TxnRequest.class).get(0).getRequestId();
    List<TxnRequest> served = fleet.node(1).requestsOf(TxnRequest.class);
    assertEquals(first, served.get(0).getRequestId());
    assertEquals(first, served.get(1).getRequestId());
    assertNotEquals(first, served.get(2).getRequestId());
  }

  @Test
  void txnIsFrozenOnceCommitted() {
    Txn txn = client.txn().requestId("txn-7").put("a", "1");
    txn.commit();

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> txn.delete("b"));

    assertTrue(e.getMessage().contains("already committed"), e.getMessage());
    assertEquals("txn-7", fleet.node(0).requestsOf(TxnRequest.class).get(0).getRequestId());
  }

  @Test
  void txnRejectsWhatCanNeverBeValidBeforeAnyCall() {
    Txn txn = client.txn().put("a", "1");

    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> txn.delete("a"));
    IllegalArgumentException condition = assertThrows(IllegalArgumentException.class,
        () -> txn.put("b", "1", PutOptions.builder().ifAbsent().build()));
    IllegalArgumentException requestId = assertThrows(IllegalArgumentException.class,
        () -> txn.put("b", "1", PutOptions.builder().requestId("r").build()));

    assertTrue(twice.getMessage().startsWith("key 'a' is already written"), twice.getMessage());
    assertTrue(condition.getMessage().startsWith("options.ifAbsent"), condition.getMessage());
    assertTrue(requestId.getMessage().startsWith("options.requestId"), requestId.getMessage());
    assertEquals(1, txn.opCount());
    assertEquals(0, fleet.node(0).requests.size());
  }
}
