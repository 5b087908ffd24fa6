package io.edgekv.node;

import io.edgekv.api.ApiErrors;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.raft.RaftTuning;
import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import io.grpc.Status;

/**
 * The one place where gRPC servers and channels are built, so that transport security (the
 * config's {@code tls} section) and the transport's resource limits are a change in one spot.
 *
 * <p>Limits of every server ({@link ServerLimits}): inbound message size derived from
 * {@code limits.maxValueBytes}, concurrent calls per connection, open connections, keepalive,
 * idle timeout and maximum connection age; request messages being received share the JVM's
 * {@link InboundMemory} pool. Handlers run on the executor the caller maps their
 * service to (admin and health apart from data calls); the Netty event loops move bytes and run
 * only handlers that never wait ({@link #TRANSPORT_THREAD}).
 */
public final class Transport {
  private Transport() {}

  /** Response header set while the node drains, so clients move to other endpoints. */
  public static final Metadata.Key<String> DRAINING_HEADER =
      Metadata.Key.of(ApiErrors.DRAINING_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Bytes a sender may have in flight on one stream before the node reads them: what a call
   * still waiting for {@link InboundMemory} room can make the node hold (gRPC's default is 1 MiB).
   */
  static final int FLOW_CONTROL_WINDOW = 256 << 10;

  /**
   * Runs a service's handlers on the transport (event-loop) thread that received the call: only
   * for a service whose handlers never wait, and hand anything that may to an executor.
   */
  public static final Executor TRANSPORT_THREAD = Runnable::run;

  /** Event loops shared by every EdgeKV server of the process (like gRPC's own default ones). */
  private static final EventLoopGroup BOSS = new MultiThreadIoEventLoopGroup(1, daemon("edgekv-accept"),
      NioIoHandler.newFactory());
  private static final EventLoopGroup WORKERS = new MultiThreadIoEventLoopGroup(
      Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("edgekv-io"), NioIoHandler.newFactory());

  /**
   * Transport limits of one server.
   *
   * @param maxMessageBytes largest inbound message
   * @param maxConnections open connections; one more is closed at accept
   * @param maxCallsPerConnection concurrent calls (HTTP/2 streams) per connection
   */
  public record ServerLimits(int maxMessageBytes, int maxConnections, int maxCallsPerConnection) {
    /** The public port: a maximum-size value plus its key, metadata, tags and envelope. */
    public static ServerLimits publicPort(NodeConfig.Limits limits) {
      return new ServerLimits(limits.maxValueBytes() + RaftTuning.ENTRY_OVERHEAD_BYTES, 4096, 2048);
    }

    /** The internal port: a replication batch or forwarded proposal of a maximum-size value. */
    public static ServerLimits internalPort(NodeConfig.Limits limits) {
      return new ServerLimits(limits.maxValueBytes() + 2 * RaftTuning.ENTRY_OVERHEAD_BYTES + (1 << 20), 1024, 1024);
    }
  }

  /** Connections open on, and refused by, one server. */
  public static final class ConnectionCounts {
    final AtomicInteger open = new AtomicInteger();
    final AtomicLong refused = new AtomicLong();

    public int open() {
      return open.get();
    }

    public long refused() {
      return refused.get();
    }
  }

  /**
   * A gRPC server on {@code port}: calls of a service named in {@code executors} run there, others on
   * {@code executor}; while {@code draining} holds, every response carries {@link #DRAINING_HEADER}.
   */
  public static Server server(NodeConfig config, int port, ServerLimits limits, ConnectionCounts counts,
      Executor executor, Map<String, Executor> executors, List<BindableService> services, BooleanSupplier draining) {
    return server(config, port, InsecureServerCredentials.create(), limits, counts, executor, executors, services,
        draining);
  }

  /** {@link #server(NodeConfig, int, ServerLimits, ConnectionCounts, Executor, Map, List, BooleanSupplier)} with TLS. */
  public static Server server(NodeConfig config, int port, ServerCredentials credentials, ServerLimits limits,
      ConnectionCounts counts, Executor executor, Map<String, Executor> executors, List<BindableService> services,
      BooleanSupplier draining) {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), port),
            credentials)
        .bossEventLoopGroup(BOSS)
        .workerEventLoopGroup(WORKERS)
        .channelFactory(() -> new ConnectionLimitedChannel(limits.maxConnections(), counts.open, counts.refused))
        .executor(executor)
        .callExecutor(new ServerCallExecutorSupplier() {
          @Override
          public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
            return executors.get(call.getMethodDescriptor().getServiceName());
          }
        })
        .withOption(ChannelOption.SO_REUSEADDR, true)
        .maxInboundMessageSize(limits.maxMessageBytes())
        .maxInboundMetadataSize(64 << 10)
        .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
        .flowControlWindow(FLOW_CONTROL_WINDOW)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .maxConnectionIdle(5, TimeUnit.MINUTES)
        .maxConnectionAge(1, TimeUnit.HOURS)
        .maxConnectionAgeGrace(5, TimeUnit.MINUTES)
        .intercept(InboundMemory.JVM.interceptor(limits.maxMessageBytes()));
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
          public void close(Status status, Metadata trailers) {
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

  /** A channel to another node's internal service (mutual TLS when {@code credentials} say so). */
  public static ManagedChannel internalChannel(NodeConfig config, NodeConfig.NodeAddress peer,
      ChannelCredentials credentials) {
    return NettyChannelBuilder.forAddress(peer.host(), peer.internalPort(), credentials)
        .maxInboundMessageSize(ServerLimits.internalPort(config.limits()).maxMessageBytes())
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .build();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
