package io.edgekv.client;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * N fake nodes on in-process transport, reachable from a client as endpoints {@code
 * 127.0.0.1:10001 ... 127.0.0.1:1000N} through the client's channel-factory hook.
 */
final class InProcessFleet implements AutoCloseable {

  private static final int BASE_PORT = 10001;

  final List<FakeKvService> nodes = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private final String prefix = "edgekv-fleet-" + UUID.randomUUID() + "-";

  InProcessFleet(int size) throws IOException {
    for (int i = 0; i < size; i++) {
      FakeKvService node = new FakeKvService("node-" + i);
      nodes.add(node);
      servers.add(InProcessServerBuilder.forName(prefix + (BASE_PORT + i))
          .directExecutor().addService(node).build().start());
    }
  }

  FakeKvService node(int i) {
    return nodes.get(i);
  }

  List<String> endpoints() {
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      endpoints.add("127.0.0.1:" + (BASE_PORT + i));
    }
    return endpoints;
  }

  /** A client builder wired to this fleet, with fast retries. */
  EdgeKvClient.Builder clientBuilder() {
    return EdgeKvClient.builder()
        .endpoints(endpoints())
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(java.time.Duration.ofMillis(1))
            .maxBackoff(java.time.Duration.ofMillis(5)).build())
        .channelFactory(e -> InProcessChannelBuilder.forName(prefix + e.port()).build());
  }

  @Override
  public void close() {
    servers.forEach(Server::shutdownNow);
  }
}
