package io.edgekv.node.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.edgekv.api.v1.KvServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A plaintext gRPC channel to one node's public port of a {@link MiniKvCluster}, for tests that
 * send raw requests (no client library between them and the server); closing it closes the
 * cluster too.
 */
public final class PublicChannel implements AutoCloseable {
  private final MiniKvCluster cluster;
  private final int node;
  private volatile ManagedChannel channel;

  private PublicChannel(MiniKvCluster cluster, int node) {
    this.cluster = cluster;
    this.node = node;
    connect();
  }

  /** A channel to node {@code node} of {@code cluster}. */
  public static PublicChannel to(MiniKvCluster cluster, int node) {
    return new PublicChannel(cluster, node);
  }

  /** Replaces the channel with a new one (after the node restarted). */
  public void connect() {
    if (channel != null) {
      channel.shutdownNow();
    }
    channel = NettyChannelBuilder.forTarget(cluster.publicAddress(node)).usePlaintext()
        .maxInboundMessageSize(32 << 20).build();
  }

  public MiniKvCluster cluster() {
    return cluster;
  }

  /** A KvService stub whose calls must finish within {@code deadline} from now. */
  public KvServiceGrpc.KvServiceBlockingStub kv(Duration deadline) {
    return KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The detail of {@code type} in a refusal's rich status, if it has one. */
  public static <T extends Message> Optional<T> detail(StatusRuntimeException e, Class<T> type) {
    return StatusProto.fromThrowable(e).getDetailsList().stream().filter(any -> any.is(type)).findFirst()
        .map(any -> {
          try {
            return any.unpack(type);
          } catch (InvalidProtocolBufferException bad) {
            throw new AssertionError(bad);
          }
        });
  }

  /** Closes the channel and the cluster (either may be null). */
  public static void close(PublicChannel channel) {
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow();
    } finally {
      cluster.close();
    }
  }
}
