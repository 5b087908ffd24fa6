package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.node.config.ByteSize;
import io.edgekv.node.config.QuotaSettings;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.node.testing.PublicChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Rate limits and storage quotas (security.quotas) on a real node over a real socket: over a
 * limit is RESOURCE_EXHAUSTED with a retry delay and the limit named, under it is served, and the
 * stored counts survive a restart (they are replicated state).
 * The client's limit (20/s, burst 40) leaves room for the other tests; the test that exhausts it
 * runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuotaClusterTest {
  private static final ByteString VALUE = ByteString.copyFromUtf8("0123456789");
  private static PublicChannel node;

  @BeforeAll
  static void start() throws IOException {
    QuotaSettings quotas = new QuotaSettings(20, 40, 0, 0, 0, ByteSize.ofBytes(0), Map.of(
        "hot", new QuotaSettings.NamespaceQuota(1, 3, 0, ByteSize.ofBytes(0)),
        "small", new QuotaSettings.NamespaceQuota(0, 0, 3, ByteSize.ofBytes(0)),
        "tiny", new QuotaSettings.NamespaceQuota(0, 0, 0, ByteSize.ofBytes(30))));
    MiniKvCluster cluster = MiniKvCluster.builder().nodesPerRegion(1).quotas(quotas).start();
    node = PublicChannel.to(cluster, 0);
    cluster.awaitLeaders(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    PublicChannel.close(node);
  }

  private static KvServiceGrpc.KvServiceBlockingStub kv() {
    return node.kv(Duration.ofSeconds(10));
  }

  /** The refusal of {@code call}, or null when it was served. */
  private static StatusRuntimeException refusal(Runnable call) {
    try {
      call.run();
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  /**
   * {@link #refusal}, after waiting out this client's rate limit, which another test of the class
   * may just have spent (a rate-limited call changes nothing, so calling again is safe).
   */
  private static StatusRuntimeException quotaRefusal(Runnable call) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    StatusRuntimeException e = refusal(call);
    while (e != null && String.valueOf(e.getMessage()).contains("over its rate limit") && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      e = refusal(call);
    }
    return e;
  }

  private static Runnable put(String namespace, String key, ByteString value) {
    return () -> kv().put(PutRequest.newBuilder().setNamespace(namespace).setKey(ByteString.copyFromUtf8(key))
        .setValue(value).build());
  }

  private static Runnable get(String namespace) {
    return () -> kv().get(GetRequest.newBuilder().setNamespace(namespace).setKey(ByteString.copyFromUtf8("k")).build());
  }

  private static <T extends Message> T detail(StatusRuntimeException e, Class<T> type) {
    return PublicChannel.detail(e, type)
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + e.getStatus()));
  }

  /** Asserts a RESOURCE_EXHAUSTED with a retry delay, naming {@code resource}; returns the delay. */
  private static Duration assertOverLimit(StatusRuntimeException e, String resource) {
    assertTrue(e != null, "refused");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
    RetryInfo retry = detail(e, RetryInfo.class);
    ErrorInfo info = detail(e, ErrorInfo.class);
    assertEquals(resource, info.getMetadataOrThrow("resource"));
    Duration delay = Duration.ofSeconds(retry.getRetryDelay().getSeconds(), retry.getRetryDelay().getNanos());
    assertTrue(delay.toNanos() > 0, "a retry delay: " + delay);
    return delay;
  }

  @Test
  @Order(1)
  void aNamespaceOverItsRateIsRefusedWithARetryDelayWhileAnotherIsServed() throws Exception {
    for (int i = 0; i < 3; i++) {
      StatusRuntimeException e = refusal(get("hot"));
      assertTrue(e == null, "call " + i + " of the burst of 3: " + e);
    }
    Duration delay = assertOverLimit(refusal(get("hot")), "requests of namespace hot");
    assertTrue(delay.compareTo(Duration.ofMillis(1100)) <= 0, "about one interval of 1/s: " + delay);
    assertEquals(null, refusal(get("default")), "another namespace is under its limit");
    MiniKvCluster.await(Duration.ofSeconds(10), "the hot namespace to admit again after its delay",
        () -> refusal(get("hot")) == null);
  }

  @Test
  @Order(3)
  void aClientOverItsRateIsRefusedAndServedAgainAfterTheDelay() throws Exception {
    StatusRuntimeException refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      refused = refusal(get("default"));
    }
    assertOverLimit(refused, "requests of client 127.0.0.1");
    MiniKvCluster.await(Duration.ofSeconds(10), "the client to be served again", () -> refusal(get("default")) == null);
  }

  @Test
  @Order(2)
  void storageQuotasRefuseGrowthButNotOverwritesOrDeletesAndSurviveARestart() throws Exception {
    for (int i = 1; i <= 3; i++) {
      assertEquals(null, quotaRefusal(put("small", "k" + i, VALUE)), "key " + i + " of 3");
    }
    assertOverLimit(quotaRefusal(put("small", "k4", VALUE)), "keys of namespace small");
    assertEquals(null, quotaRefusal(put("small", "k1", ByteString.copyFromUtf8("new"))), "an overwrite at the key quota");
    assertEquals(null, quotaRefusal(() -> kv().delete(DeleteRequest.newBuilder().setNamespace("small")
        .setKey(ByteString.copyFromUtf8("k2")).build())), "a delete at the quota");
    assertEquals(null, quotaRefusal(put("small", "k4", VALUE)), "room after the delete");
    assertOverLimit(quotaRefusal(put("small", "k5", VALUE)), "keys of namespace small");

    assertEquals(null, quotaRefusal(put("tiny", "a", VALUE)), "11 of 30 bytes");
    assertOverLimit(quotaRefusal(put("tiny", "b", ByteString.copyFromUtf8("01234567890123456789"))),
        "bytes of namespace tiny");
    assertEquals(null, quotaRefusal(put("tiny", "c", VALUE)), "22 of 30 bytes");

    node.cluster().restart(0);
    node.cluster().awaitLeaders(Duration.ofSeconds(60));
    node.connect();
    MiniKvCluster.await(Duration.ofSeconds(30), "the restarted node to serve", () -> quotaRefusal(get("default")) == null);
    assertOverLimit(quotaRefusal(put("small", "k6", VALUE)), "keys of namespace small");
    assertOverLimit(quotaRefusal(put("tiny", "d", VALUE)), "bytes of namespace tiny");
    assertEquals(null, quotaRefusal(put("small", "k3", VALUE)), "an overwrite after the restart");
  }
}
