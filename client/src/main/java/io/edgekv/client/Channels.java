package io.edgekv.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.Executor;

/**
 * The one place the client builds its gRPC channels, so that turning TLS on (DESIGN section
 * 10) is a change in {@link #credentials()} only.
 */
final class Channels {

  /** Large enough for the biggest value the server accepts (16 MiB) plus its envelope. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 32 * 1024 * 1024;

  private Channels() {}

  /** A channel whose callbacks run on {@code executor}, or on gRPC's shared pool when null. */
  static ManagedChannel open(Endpoint endpoint, Executor executor) {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilderForAddress(endpoint.host(), endpoint.port(), credentials())
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .userAgent("edgekv-java-client");
    if (executor != null) {
      builder.executor(executor);
    }
    return builder.build();
  }

  private static ChannelCredentials credentials() {
    return InsecureChannelCredentials.create();
  }
}
