package io.edgekv.node;

import io.edgekv.node.config.NodeConfig;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.util.function.BooleanSupplier;
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

  /** Response header set while the node drains, so clients move to other endpoints. */
  public static final Metadata.Key<String> DRAINING_HEADER =
      Metadata.Key.of("edgekv-draining", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * A gRPC server on {@code port}; while {@code draining} holds, every response carries
   * {@link #DRAINING_HEADER}.
   */
  public static Server server(NodeConfig config, int port, Executor executor, List<BindableService> services,
      BooleanSupplier draining) {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), port))
        .executor(executor)
        .withOption(ChannelOption.SO_REUSEADDR, true)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .maxConnectionIdle(5, TimeUnit.MINUTES);
    ServerInterceptor drainingHeader = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            if (draining.getAsBoolean()) {
              responseHeaders.put(DRAINING_HEADER, "true");
            }
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(io.grpc.Status status, Metadata trailers) {
            // Failed calls answer with trailers only: mark them too, so clients move away on errors as well.
            if (!status.isOk() && draining.getAsBoolean()) {
              trailers.put(DRAINING_HEADER, "true");
            }
            super.close(status, trailers);
          }
        }, headers);
      }
    };
    services.forEach(service -> builder.addService(ServerInterceptors.intercept(service, drainingHeader)));
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
