package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.ReadOptions;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Unsafe test switches are given to each node by its fixture, not read from the process: in one
 * JVM, a node with STRONG_READS_LOCAL answers a STRONG read from its own replica when its region
 * has lost quorum, while a correct node of the same cluster refuses it.
 */
class UnsafeSwitchesPerNodeTest {

  @Test
  void switchesDifferPerNodeOfOneJvm() throws Exception {
    UnsafeSwitches stale = new UnsafeSwitches(Set.of(UnsafeSwitches.Switch.STRONG_READS_LOCAL));
    assertTrue(UnsafeSwitches.from(Map.of()).none(), "no switch unless the environment asks");
    try (MiniKvCluster cluster = MiniKvCluster.builder().nodesPerRegion(3).unsafe(0, stale).start()) {
      cluster.client().put("k", "v");
      MiniKvCluster.await(Duration.ofSeconds(30), "nodes 0 and 1 applied the write",
          () -> "v".equals(eventual(cluster.publicAddress(0))) && "v".equals(eventual(cluster.publicAddress(1))));
      cluster.kill(2);
      cluster.kill(1);
      assertEquals("v", read(cluster.publicAddress(0), Consistency.STRONG),
          "the unsafe node answers a STRONG read from its own replica without quorum");
      cluster.restart(1);
      cluster.kill(0);
      assertThrows(StatusRuntimeException.class, () -> read(cluster.publicAddress(1), Consistency.STRONG),
          "a correct node of the same JVM refuses a STRONG read without quorum");
    }
  }

  private static String read(String address, Consistency consistency) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
    try {
      return KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .get(GetRequest.newBuilder().setNamespace("default").setKey(ByteString.copyFromUtf8("k"))
              .setRead(ReadOptions.newBuilder().setConsistency(consistency)).build())
          .getEntry().getValue().toStringUtf8();
    } finally {
      channel.shutdownNow();
    }
  }

  private static String eventual(String address) {
    try {
      return read(address, Consistency.EVENTUAL);
    } catch (StatusRuntimeException e) {
      return null;
    }
  }
}
