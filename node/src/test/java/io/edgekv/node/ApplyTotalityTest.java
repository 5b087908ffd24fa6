package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnPut;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.FieldViolation;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.MutationKind;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.replication.hlc.HybridClock;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No client or peer input stops a region (issue 13, items 1 and 7): a counter overflow is a
 * recorded OUT_OF_RANGE failure, identical on every replica, also when the log is replayed after
 * a restart of every node; an unknown mutation kind sent to the internal port is INVALID_ARGUMENT;
 * a TTL beyond the limit is refused by put, touch and txn and the old value stays.
 */
class ApplyTotalityTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final io.edgekv.client.ReadOptions STRONG =
      io.edgekv.client.ReadOptions.of(io.edgekv.client.Consistency.STRONG);
  private static MiniKvCluster cluster;
  private static EdgeKvClient client;
  private static ManagedChannel publicChannel;
  private static ManagedChannel internalChannel;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().start();
    cluster.awaitLeaders(WAIT);
    client = cluster.client();
    publicChannel = NettyChannelBuilder.forTarget(cluster.publicAddress(0)).usePlaintext().build();
    internalChannel = NettyChannelBuilder.forTarget(cluster.config(0).self().internalAddress()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    if (publicChannel != null) {
      publicChannel.shutdownNow();
    }
    if (internalChannel != null) {
      internalChannel.shutdownNow();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static KvServiceGrpc.KvServiceBlockingStub kv() {
    return KvServiceGrpc.newBlockingStub(publicChannel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static InternalServiceGrpc.InternalServiceBlockingStub internal() {
    return InternalServiceGrpc.newBlockingStub(internalChannel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Every node of the region takes a write and serves it (the region did not stop). */
  private static void assertRegionWrites(String key) {
    client.put(key, "written");
    for (int i = 0; i < cluster.size(); i++) {
      try (EdgeKvClient one = EdgeKvClient.builder().endpoint(cluster.publicAddress(i)).build()) {
        assertEquals("written", one.get(key, STRONG).valueAsString(),
            "node " + i);
      }
    }
  }

  @Test
  void counterOverflowIsRefusedOutOfRangeAndTheRegionKeepsWritingAlsoAfterEveryNodeRestarts() throws Exception {
    assertEquals(Long.MAX_VALUE, client.increment("ctr", Long.MAX_VALUE).value());

    EdgeKvException overflow = assertThrows(EdgeKvException.class, () -> client.increment("ctr", 1));

    assertEquals(Status.Code.OUT_OF_RANGE, overflow.code(), overflow.toString());
    assertEquals(String.valueOf(Long.MAX_VALUE), overflow.errorMetadata().get("limit"));
    assertEquals("delta", overflow.fieldViolations().stream().map(FieldViolation::field).findFirst().orElse(""));
    assertTrue(overflow.description().contains(String.valueOf(Long.MAX_VALUE)), overflow.description());
    assertRegionWrites("after-overflow");
    assertEquals(String.valueOf(Long.MAX_VALUE), client.get("ctr", STRONG).valueAsString());

    // Restarting every node replays the refused entry: it is refused again, and nothing stops.
    for (int i = 0; i < cluster.size(); i++) {
      cluster.kill(i);
    }
    for (int i = 0; i < cluster.size(); i++) {
      cluster.startNode(i);
    }
    cluster.awaitLeaders(WAIT);
    MiniKvCluster.await(WAIT, "the region takes writes after the restart", () -> {
      try {
        client.put("after-restart-probe", "x");
        return true;
      } catch (EdgeKvException e) {
        return false;
      }
    });
    assertRegionWrites("after-restart");
    assertEquals(Long.MAX_VALUE - 1, client.increment("ctr", -1).value());
  }

  @Test
  void aMergedCounterTotalBeyondTheRangeReadsAsOutOfRangeNotAsAWrappedNumber() {
    client.increment("merged", Long.MAX_VALUE);
    long hlc = HybridClock.fromMillis(System.currentTimeMillis());
    // Another region's increment of the same counter, made concurrently: no region could refuse it.
    ReplicateRequest push = ReplicateRequest.newBuilder().setFormat(1).setFromRegion("far-away").setShard(0)
        .addMutations(Mutation.newBuilder().setFormat(1).setOriginRegion("far-away").setSeq(1)
            .setKind(MutationKind.MUTATION_COUNTER).setNamespace("default").setKey(ByteString.copyFromUtf8("merged"))
            .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(hlc).setOriginRegion("far-away"))
            .putCounterP("far-away", 5))
        .build();

    assertEquals("", retryWhileUnavailable(() -> internal().replicate(push)).getRefused());

    MiniKvCluster.await(WAIT, "the merged counter reads as OUT_OF_RANGE", () -> {
      try {
        client.get("merged", STRONG);
        return false;
      } catch (EdgeKvException e) {
        return e.code() == Status.Code.OUT_OF_RANGE;
      }
    });
    EdgeKvException more = assertThrows(EdgeKvException.class, () -> client.increment("merged", 1));
    assertEquals(Status.Code.OUT_OF_RANGE, more.code());
    // A decrement that brings the total back in range is taken, and the counter reads again.
    assertEquals(Long.MAX_VALUE - 1, client.increment("merged", -6).value());
    assertEquals(String.valueOf(Long.MAX_VALUE - 1),
        client.get("merged", STRONG).valueAsString());
  }

  @Test
  void anUnknownMutationKindThroughReplicateIsInvalidArgumentAndTheRegionKeepsWorking() throws Exception {
    Mutation.Builder unknown = Mutation.newBuilder().setFormat(1).setOriginRegion("far-away").setSeq(1)
        .setNamespace("default").setKey(ByteString.copyFromUtf8("k"))
        .setVersion(io.edgekv.api.v1.Version.newBuilder().setHlc(HybridClock.fromMillis(System.currentTimeMillis()))
            .setOriginRegion("far-away"));
    for (Mutation mutation : new Mutation[] {unknown.clone().setKind(MutationKind.MUTATION_KIND_UNSPECIFIED).build(),
        unknown.clone().setKindValue(77).build()}) {
      ReplicateRequest request = ReplicateRequest.newBuilder().setFormat(1).setFromRegion("far-away").setShard(0)
          .addMutations(mutation).build();

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> internal().replicate(request));

      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
      assertEquals("mutations[0].kind", badRequest(e).getFieldViolations(0).getField());
    }
    StatusRuntimeException negativeSlot = assertThrows(StatusRuntimeException.class, () -> internal().replicate(
        ReplicateRequest.newBuilder().setFormat(1).setFromRegion("far-away").setShard(0).addMutations(
            unknown.clone().setKind(MutationKind.MUTATION_COUNTER).putCounterN("far-away", -1)).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, negativeSlot.getStatus().getCode());
    assertEquals("mutations[0].counter_n", badRequest(negativeSlot).getFieldViolations(0).getField());
    assertRegionWrites("after-unknown-mutation");
  }

  @Test
  void aTtlBeyondTheLimitIsRefusedByPutTouchAndTxnAndTheOldValueIsKept() throws Exception {
    String limit = String.valueOf(RequestValidator.MAX_TTL_MILLIS);
    client.put("ttl-key", "old");

    assertInvalid("ttl_ms", limit, () -> kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("ttl-key"))
        .setValue(ByteString.copyFromUtf8("new")).setTtlMs(Long.MAX_VALUE).build()));
    assertInvalid("ttl_ms", limit, () -> kv().touch(TouchRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("ttl-key")).setTtlMs(Long.MAX_VALUE).build()));
    assertInvalid("ops[0].put.ttl_ms", limit, () -> kv().txn(TxnRequest.newBuilder().addOps(TxnOp.newBuilder()
        .setPut(TxnPut.newBuilder().setKey(ByteString.copyFromUtf8("ttl-key")).setValue(ByteString.copyFromUtf8("txn"))
            .setTtlMs(RequestValidator.MAX_TTL_MILLIS + 1))).build()));

    var stored = client.get("ttl-key", STRONG);
    assertTrue(stored.found());
    assertEquals("old", stored.valueAsString());
    assertEquals(null, stored.expiresAt());
    // The limit itself is accepted, with a deadline ten years ahead.
    long before = System.currentTimeMillis();
    client.touch("ttl-key", Duration.ofMillis(RequestValidator.MAX_TTL_MILLIS));
    long expiresAt = client.get("ttl-key", STRONG).expiresAt().toEpochMilli();
    assertTrue(expiresAt >= before + RequestValidator.MAX_TTL_MILLIS - 60_000, "expires at " + expiresAt);
    assertFalse(expiresAt > System.currentTimeMillis() + RequestValidator.MAX_TTL_MILLIS + 60_000);
  }

  /** Retries a raw call while the region is briefly without a leader (a loaded machine, a restart). */
  private static <T> T retryWhileUnavailable(Supplier<T> call) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
    }
  }

  private static void assertInvalid(String field, String limit, Supplier<?> call) throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    assertEquals(field, badRequest(e).getFieldViolations(0).getField());
    assertTrue(e.getStatus().getDescription().contains(limit), e.getStatus().getDescription());
    for (var any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        assertEquals(limit, any.unpack(ErrorInfo.class).getMetadataOrThrow("limit"));
      }
    }
  }

  private static BadRequest badRequest(StatusRuntimeException e) throws Exception {
    for (var any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(BadRequest.class)) {
        return any.unpack(BadRequest.class);
      }
    }
    throw new AssertionError("no BadRequest in " + e);
  }
}
