package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.api.v1.Condition;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnCheck;
import io.edgekv.api.v1.TxnDelete;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnPut;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import io.edgekv.invalidation.Selector;
import io.edgekv.invalidation.Subscription;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.replication.storage.EntryKey;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TTL with injected clocks (lazy expiry and the replicated sweep), touch, and atomic transactions. */
class ExpiryAndTxnTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static MiniKvCluster cluster;
  private static ManagedChannel channel;
  private static KvServiceGrpc.KvServiceBlockingStub kv;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().start();
    channel = NettyChannelBuilder.forTarget(cluster.publicAddress(0)).usePlaintext().build();
    kv = KvServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    cluster.close();
  }

  @AfterEach
  void resetClocks() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.clock(i).skew(Duration.ZERO);
    }
  }

  private static void skewAll(Duration offset) {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.clock(i).skew(offset);
    }
  }

  private static KvServiceGrpc.KvServiceBlockingStub stub() {
    return kv.withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @Test
  void expiredKeyReadsAsNotFoundAtOnceAndTheSweepDeletesItEverywhere() {
    List<Subscription> subscriptions = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      subscriptions.add(cluster.node(i).bus().subscribe(new Selector("default",
          List.of("session".getBytes(StandardCharsets.UTF_8)), List.of(), List.of())));
    }
    EdgeKvClient client = cluster.client();
    client.put("session".getBytes(StandardCharsets.UTF_8), "abc".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().ttl(Duration.ofSeconds(30)).build());
    assertTrue(client.get("session").found());
    assertTrue(client.get("session").expiresAt() != null);

    skewAll(Duration.ofSeconds(31));
    for (int i = 0; i < cluster.size(); i++) {
      assertFalse(cluster.client(List.of(cluster.publicAddress(i))).get("session").found(),
          "node " + i + " must not serve an expired entry");
    }
    // The leader's sweep removes it through Raft: a tombstone and an EXPIRE event on every replica.
    for (int i = 0; i < cluster.size(); i++) {
      int node = i;
      MiniKvCluster.await(WAIT, "node " + node + " applied the expiry", () -> {
        var stored = cluster.node(node).replica().reads()
            .entry(0, new EntryKey("default", "session".getBytes(StandardCharsets.UTF_8)));
        return stored != null && stored.getTombstone();
      });
      // The event is published right after the batch is written, so wait for it too.
      List<ChangeKind> kinds = new ArrayList<>();
      Subscription subscription = subscriptions.get(i);
      MiniKvCluster.await(WAIT, "node " + node + " published the expiry", () -> {
        subscription.drain().events().forEach(e -> kinds.add(e.getKind()));
        return kinds.contains(ChangeKind.EXPIRE);
      });
      assertEquals(List.of(ChangeKind.PUT, ChangeKind.EXPIRE), kinds, "events on node " + i);
    }
    subscriptions.forEach(Subscription::close);
  }

  @Test
  void touchExtendsTheExpiry() {
    EdgeKvClient client = cluster.client();
    PutResult put = client.put("lease".getBytes(StandardCharsets.UTF_8), "held".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().ttl(Duration.ofSeconds(5)).build());
    var touched = stub().touch(TouchRequest.newBuilder().setKey(ByteString.copyFromUtf8("lease")).setTtlMs(120_000).build());
    assertTrue(touched.getFound());
    assertTrue(touched.getVersion().getHlc() > put.version().hlc());
    skewAll(Duration.ofSeconds(10));
    var read = client.get("lease");
    assertTrue(read.found(), "touched key outlives its first TTL");
    assertEquals("held", read.valueAsString());
    assertFalse(stub().touch(TouchRequest.newBuilder().setKey(ByteString.copyFromUtf8("no-such-key"))
        .setTtlMs(5000).build()).getFound());
  }

  private static TxnOp putOp(String key, String value) {
    return TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value))).build();
  }

  @Test
  void transactionAppliesAllOpsOrNoneWhenACheckFails() {
    EdgeKvClient client = cluster.client();
    PutResult from = client.put("acct/a", "100");
    client.put("acct/gone", "x");
    TxnRequest transfer = TxnRequest.newBuilder()
        .addChecks(TxnCheck.newBuilder().setKey(ByteString.copyFromUtf8("acct/a"))
            .setCondition(Condition.newBuilder().setIfVersion(io.edgekv.api.v1.Version.newBuilder()
                .setHlc(from.version().hlc()).setOriginRegion(from.version().originRegion()))))
        .addChecks(TxnCheck.newBuilder().setKey(ByteString.copyFromUtf8("acct/b"))
            .setCondition(Condition.newBuilder().setIfAbsent(true)))
        .addOps(putOp("acct/a", "70"))
        .addOps(putOp("acct/b", "30"))
        .addOps(TxnOp.newBuilder().setDelete(TxnDelete.newBuilder().setKey(ByteString.copyFromUtf8("acct/gone"))))
        .build();
    stub().txn(transfer);
    assertEquals("70", client.get("acct/a").valueAsString());
    assertEquals("30", client.get("acct/b").valueAsString());
    assertFalse(client.get("acct/gone").found());

    // The same transaction again: acct/a has a new version and acct/b exists, so nothing changes.
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub().txn(
        transfer.toBuilder().setOps(0, putOp("acct/a", "999")).setOps(1, putOp("acct/b", "999")).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("acct/a"), refused.getStatus().getDescription());
    assertEquals("70", client.get("acct/a").valueAsString());
    assertEquals("30", client.get("acct/b").valueAsString());
  }

  @Test
  void transactionWritingOneKeyTwiceIsRefused() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().txn(TxnRequest.newBuilder()
        .addOps(putOp("dup", "1")).addOps(putOp("dup", "2")).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("ops[1]"));
  }
}
