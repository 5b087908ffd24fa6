package io.edgekv.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The one place the client builds its gRPC channels, so that turning TLS on (DESIGN section
 * 10) is a change in {@link #credentials()} only.
 *
 * <p>gRPC's own transparent retry is off: {@link FailoverCaller} decides every retry (on the
 * next endpoint, within the call's deadline), and a second retry layer underneath would
 * multiply attempts and hide which endpoint answered.
 */
final class Channels {

  /** Large enough for the biggest value the server accepts (16 MiB) plus its envelope. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 32 * 1024 * 1024;

  private Channels() {}

  /** A channel whose callbacks run on {@code executor}, or on gRPC's shared pool when null. */
  static ManagedChannel open(Endpoint endpoint, Executor executor) {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilderForAddress(endpoint.host(), endpoint.port(), credentials())
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .userAgent("edgekv-java-client")
        .disableRetry();
    if (executor != null) {
      builder.executor(executor);
    }
    return builder.build();
  }

  private static ChannelCredentials credentials() {
    return InsecureChannelCredentials.create();
  }

  /**
   * Shuts {@code channels} down, gives the calls in flight up to {@code grace} in all to finish,
   * then closes what is left at once. Restores the interrupt flag if interrupted.
   */
  static void close(List<ManagedChannel> channels, Duration grace) {
    channels.forEach(ManagedChannel::shutdown);
    long deadlineNanos = System.nanoTime() + grace.toNanos();
    try {
      for (ManagedChannel channel : channels) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || !channel.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          channel.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
  }
}
