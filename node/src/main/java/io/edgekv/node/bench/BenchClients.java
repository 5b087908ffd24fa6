package io.edgekv.node.bench;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.client.RetryPolicy;
import java.time.Duration;

/** How the benches connect: a few quick retries, and callbacks on the network thread. */
final class BenchClients {
  private BenchClients() {}

  /**
   * A client of one node. Its Watch listeners run on the network thread that received the event
   * (a direct executor): the benches' listeners only record arrival times, and handing each event
   * of a thousand streams to a pool thread would take CPU from the cluster being measured (the
   * client shares the machine with it) and delay the recorded arrivals.
   */
  static EdgeKvClient open(String endpoint, String namespace, ClientCredentials credentials, Duration deadline) {
    return EdgeKvClient.builder().endpoint(endpoint).namespace(namespace).credentials(credentials).deadline(deadline)
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(20))
            .maxBackoff(Duration.ofMillis(200)).build())
        .executor(Runnable::run)
        .build();
  }
}
