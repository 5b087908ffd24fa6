package io.edgekv.client;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * N fake nodes, on in-process transport (reachable from a client as endpoints {@code
 * 127.0.0.1:10001 ... 127.0.0.1:1000N} through the client's channel-factory hook) or, with
 * {@link #onLoopback(int)}, on real loopback ports. Like a real node, each marks its responses
 * with {@code edgekv-draining: true} while its {@link FakeKvService#draining} flag is set.
 */
final class InProcessFleet implements AutoCloseable {

  private static final int BASE_PORT = 10001;
  private static final Metadata.Key<String> DRAINING_HEADER =
      Metadata.Key.of("edgekv-draining", Metadata.ASCII_STRING_MARSHALLER);

  final List<FakeKvService> nodes = new ArrayList<>();
  private final boolean loopback;
  private final List<Server> servers = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<Server> retired = new ArrayList<>();
  private final String prefix = "edgekv-fleet-" + UUID.randomUUID() + "-";

  InProcessFleet(int size) throws IOException {
    this(size, false);
  }

  private InProcessFleet(int size, boolean loopback) throws IOException {
    this.loopback = loopback;
    for (int i = 0; i < size; i++) {
      nodes.add(new FakeKvService("node-" + i));
      ports.add(loopback ? 0 : BASE_PORT + i);
      Server server = startServer(i);
      servers.add(server);
      ports.set(i, loopback ? server.getPort() : BASE_PORT + i);
    }
  }

  /** A fleet on real loopback ports, for what in-process transport does not model (GOAWAY, rebinding). */
  static InProcessFleet onLoopback(int size) throws IOException {
    return new InProcessFleet(size, true);
  }

  private Server startServer(int i) throws IOException {
    FakeKvService node = nodes.get(i);
    ServerInterceptor header = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            if (node.draining) {
              responseHeaders.put(DRAINING_HEADER, "true");
            }
            super.sendHeaders(responseHeaders);
          }
        }, headers);
      }
    };
    ServerBuilder<?> builder = loopback
        ? NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", ports.get(i)))
            .withOption(ChannelOption.SO_REUSEADDR, true)
        : InProcessServerBuilder.forName(prefix + (BASE_PORT + i)).directExecutor();
    return builder
        .addService(ServerInterceptors.intercept(node, header))
        .addService(ServerInterceptors.intercept(node.admin(), header))
        .build()
        .start();
  }

  FakeKvService node(int i) {
    return nodes.get(i);
  }

  /**
   * Drains node {@code i} as a real node does: its responses carry the draining header from now
   * on, and its server is replaced by a fresh one on the same port, so open connections get a
   * GOAWAY while calls in flight finish. Loopback fleets only (in-process transport races
   * stream creation against server shutdown).
   */
  synchronized void drain(int i) throws IOException, InterruptedException {
    if (!loopback) {
      throw new IllegalStateException("drain needs a loopback fleet");
    }
    nodes.get(i).draining = true;
    Server old = servers.get(i);
    old.shutdown();
    retired.add(old);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try {
        servers.set(i, startServer(i));
        return;
      } catch (IOException e) {
        if (!(e.getCause() instanceof BindException) || System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(5); // the old listener closes asynchronously
      }
    }
  }

  List<String> endpoints() {
    List<String> endpoints = new ArrayList<>();
    for (int port : ports) {
      endpoints.add("127.0.0.1:" + port);
    }
    return endpoints;
  }

  /** A client builder wired to this fleet, with fast retries. */
  EdgeKvClientBuilder clientBuilder() {
    EdgeKvClientBuilder b = EdgeKvClient.builder()
        .endpoints(endpoints())
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(java.time.Duration.ofMillis(1))
            .maxBackoff(java.time.Duration.ofMillis(5)).build());
    return loopback ? b : b.channelFactory(e -> InProcessChannelBuilder.forName(prefix + e.port()).build());
  }

  @Override
  public synchronized void close() {
    servers.forEach(Server::shutdownNow);
    retired.forEach(Server::shutdownNow);
  }
}
