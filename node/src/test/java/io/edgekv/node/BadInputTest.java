package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ReadOptions;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.node.testing.PublicChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets INVALID_ARGUMENT naming the field and the limit, and changes nothing. */
class BadInputTest {
  private static PublicChannel node;
  private static KvServiceGrpc.KvServiceBlockingStub kv;

  @BeforeAll
  static void start() throws Exception {
    node = PublicChannel.to(MiniKvCluster.builder().nodesPerRegion(1).start(), 0);
    kv = node.kv(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    PublicChannel.close(node);
  }

  private static PutRequest.Builder put(String key) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v"));
  }

  /** Asserts INVALID_ARGUMENT with a field violation on {@code field} and, if given, the limit. */
  private static void assertRejected(String field, String limit, Consumer<KvServiceGrpc.KvServiceBlockingStub> call)
      throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call.accept(kv));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    BadRequest badRequest = PublicChannel.detail(e, BadRequest.class).orElseThrow();
    ErrorInfo info = PublicChannel.detail(e, ErrorInfo.class).orElse(null);
    assertEquals(field, badRequest.getFieldViolations(0).getField());
    assertTrue(e.getStatus().getDescription().contains(field.replaceAll("\\[.*", "")), e.getStatus().getDescription());
    if (limit != null) {
      assertEquals(limit, info.getMetadataOrThrow("limit"));
      assertTrue(e.getStatus().getDescription().contains(limit), e.getStatus().getDescription());
    }
  }

  private static boolean exists(String key) {
    return kv.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setRead(ReadOptions.newBuilder().setConsistency(Consistency.STRONG)).build()).getFound();
  }

  @Test
  void emptyKeyIsRefused() throws Exception {
    assertRejected("key", "1", s -> s.put(put("").build()));
  }

  @Test
  void oversizeKeyIsRefusedAndNothingIsWritten() throws Exception {
    String key = "k".repeat(513);
    assertRejected("key", "512", s -> s.put(put(key).build()));
    assertFalse(exists(key.substring(0, 512)));
  }

  @Test
  void oversizeValueIsRefused() throws Exception {
    assertRejected("value", String.valueOf(1 << 20), s -> s.put(put("too-big")
        .setValue(ByteString.copyFrom(new byte[(1 << 20) + 1])).build()));
    assertFalse(exists("too-big"));
  }

  @Test
  void tooManyTagsAreRefused() throws Exception {
    PutRequest.Builder request = put("tagged");
    for (int i = 0; i < 17; i++) {
      request.addTags("t" + i);
    }
    assertRejected("tags", "16", s -> s.put(request.build()));
    assertFalse(exists("tagged"));
  }

  @Test
  void oversizeTagIsRefused() throws Exception {
    assertRejected("tags", "128", s -> s.put(put("long-tag").addTags("t".repeat(129)).build()));
  }

  @Test
  void ttlBelowOneSecondIsRefused() throws Exception {
    assertRejected("ttl_ms", "1000", s -> s.put(put("short-lived").setTtlMs(500).build()));
    assertFalse(exists("short-lived"));
  }

  @Test
  void oversizeMetadataIsRefused() throws Exception {
    assertRejected("metadata", "1024", s -> s.put(put("meta").putMetadata("m", "x".repeat(1100)).build()));
  }

  @Test
  void namespaceWithUnknownCharactersIsRefused() throws Exception {
    assertRejected("namespace", null, s -> s.put(put("k").setNamespace("bad ns!").build()));
  }

  @Test
  void malformedContinuationTokenIsRefused() throws Exception {
    assertRejected("continuation_token", null, s -> s.scan(ScanRequest.newBuilder()
        .setPrefix(ByteString.copyFromUtf8("a")).setContinuationToken("not a token!").build()));
  }

  @Test
  void oversizeScanPageIsRefused() throws Exception {
    assertRejected("limit", "1000", s -> s.scan(ScanRequest.newBuilder().setLimit(5000).build()));
  }

  @Test
  void malformedSessionTokenIsRefused() throws Exception {
    assertRejected("session_token", null, s -> s.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
        .setRead(ReadOptions.newBuilder().setConsistency(Consistency.SESSION).setSessionToken("garbage")).build()));
  }
}
