package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.NodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 8: many large puts at once on one connection must not exhaust the node's
 * direct memory. The node runs in its own JVM with 64 MiB of direct memory; sixteen concurrent
 * 4 MiB puts need half as much again if the transport receives them all at once (as it did: the node
 * then failed calls with {@code OutOfDirectMemoryError}). Each put must end OK or, refused for
 * room, {@code RESOURCE_EXHAUSTED}; the node stays ready and keeps what it acknowledged.
 */
class LargePutsMemoryTest {
  private static final int PUTS = 24;
  private static final int VALUE_BYTES = 4 << 20;

  @Test
  void concurrentLargePutsLeaveTheNodeServing() throws Exception {
    try (NodeProcess node = NodeProcess.start(Duration.ofSeconds(90), new NodeConfig.Limits(VALUE_BYTES),
        "-Xmx256m", "-XX:MaxDirectMemorySize=64m")) {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(node.publicAddress()).usePlaintext()
          .maxInboundMessageSize(2 * VALUE_BYTES).build();
      ExecutorService senders = Executors.newFixedThreadPool(PUTS);
      try {
        byte[] value = new byte[VALUE_BYTES - 1024];
        List<CompletableFuture<Status>> puts = new ArrayList<>();
        for (int i = 0; i < PUTS; i++) {
          Arrays.fill(value, (byte) i);
          PutRequest request = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("big-" + i))
              .setValue(ByteString.copyFrom(value)).build();
          puts.add(CompletableFuture.supplyAsync(() -> {
            try {
              KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).put(request);
              return Status.OK;
            } catch (RuntimeException e) {
              return Status.fromThrowable(e);
            }
          }, senders));
        }
        List<Integer> acknowledged = new ArrayList<>();
        for (int i = 0; i < PUTS; i++) {
          Status status = puts.get(i).get(90, TimeUnit.SECONDS);
          assertTrue(status.isOk() || status.getCode() == Status.Code.RESOURCE_EXHAUSTED,
              "put " + i + " ended " + status + "; node log:\n" + tail(node.log()));
          if (status.isOk()) {
            acknowledged.add(i);
          }
        }
        assertFalse(acknowledged.isEmpty(), "no large put was acknowledged");
        assertTrue(node.isAlive(), "the node died");
        assertEquals(200, node.httpStatus("/readyz"), "the node is not ready after the large puts");
        assertFalse(node.log().contains("OutOfDirectMemoryError"), tail(node.log()));
        for (int i : acknowledged) {
          ByteString stored = KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
              .get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("big-" + i)).build()).getEntry().getValue();
          assertEquals(VALUE_BYTES - 1024, stored.size(), "size of big-" + i);
          assertEquals((byte) i, stored.byteAt(stored.size() - 1), "content of big-" + i);
        }
      } finally {
        senders.shutdownNow();
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  private static String tail(String log) {
    return log.substring(Math.max(0, log.length() - 4000));
  }
}
