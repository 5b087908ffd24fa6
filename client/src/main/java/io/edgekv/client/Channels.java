package io.edgekv.client;

import io.edgekv.client.auth.ClientCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.Executor;

/**
 * The one place the client builds its gRPC channels, with the TLS and bearer token of
 * the client's {@link ClientCredentials} (DESIGN section 10).
 */
final class Channels {

  /** Large enough for the biggest value the server accepts (16 MiB) plus its envelope. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 32 * 1024 * 1024;

  private Channels() {}

  /** A channel whose callbacks run on {@code executor}, or on gRPC's shared pool when null. */
  static ManagedChannel open(Endpoint endpoint, Executor executor) {
    return open(endpoint, executor, ClientCredentials.NONE);
  }

  /** A channel with {@code credentials}: TLS to the CA's servers, the bearer token on every call. */
  static ManagedChannel open(Endpoint endpoint, Executor executor, ClientCredentials credentials) {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilderForAddress(endpoint.host(), endpoint.port(),
            credentials.channelCredentials())
        .intercept(credentials.tokenInterceptor())
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .userAgent("edgekv-java-client");
    if (executor != null) {
      builder.executor(executor);
    }
    return builder.build();
  }
}
