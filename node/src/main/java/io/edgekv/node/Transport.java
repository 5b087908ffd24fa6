package io.edgekv.node;

import io.edgekv.node.config.NodeConfig;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The one place where gRPC servers and channels are built, so that transport security (the
 * config's {@code tls} section) is a change in one spot.
 */
public final class Transport {
  /** Inbound message limit: the largest value (16 MiB) plus envelope, on every hop. */
  public static final int MAX_MESSAGE_BYTES = 20 << 20;

  private Transport() {}

  public static Server server(NodeConfig config, int port, Executor executor, List<BindableService> services) {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), port))
        .executor(executor)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .maxConnectionIdle(5, TimeUnit.MINUTES);
    services.forEach(builder::addService);
    return builder.build();
  }

  /** A channel to another node's internal service. */
  public static ManagedChannel internalChannel(NodeConfig config, NodeConfig.NodeAddress peer) {
    return NettyChannelBuilder.forAddress(peer.host(), peer.internalPort())
        .usePlaintext()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
  }
}
