package io.edgekv.chaos.workload;

import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.chaos.cluster.SecureTestbed;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The harness's EdgeKV clients, per node: {@link #via} talks to that node only, retrying on it
 * (each logical process is pinned to a node, so every node, restarted ones included, serves its
 * share; a client that fails over would stick to the node that last answered); {@link #failover}
 * starts at that node and fails over to the others (final reads, which must not depend on one
 * node); {@link #regional} fails over within the region; {@link #only} is pinned without retries
 * (to read one replica's state at the end). Deadlines are short so that a stuck call becomes an
 * {@code info} quickly and its process retires.
 */
public final class Clients implements AutoCloseable {
  private final List<NodeRef> nodes;
  private final Map<String, EdgeKvClient> preferring = new LinkedHashMap<>();
  private final Map<String, EdgeKvClient> pinned = new LinkedHashMap<>();
  private final Map<String, EdgeKvClient> sticky = new LinkedHashMap<>();
  private final Map<String, EdgeKvClient> regional = new LinkedHashMap<>();

  public Clients(List<NodeRef> nodes, Duration deadline) {
    this.nodes = List.copyOf(nodes);
    for (int i = 0; i < nodes.size(); i++) {
      List<String> order = new ArrayList<>();
      for (int j = 0; j < nodes.size(); j++) {
        order.add(nodes.get((i + j) % nodes.size()).endpoint());
      }
      preferring.put(nodes.get(i).id(), SecureTestbed.clientBuilder().endpoints(order).deadline(deadline)
          .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(50))
              .maxBackoff(Duration.ofMillis(300)).perAttemptTimeout(deadline.dividedBy(2)).build())
          .build());
      // the region's nodes only, starting at this one: request ids deduplicate retries within a
      // region only (docs/consistency.md, "Retries"), so at-most-once needs a one-region client
      String region = nodes.get(i).region();
      List<String> local = order.stream().filter(e -> nodes.stream()
          .anyMatch(n -> n.endpoint().equals(e) && n.region().equals(region))).toList();
      regional.put(nodes.get(i).id(), SecureTestbed.clientBuilder().endpoints(local).deadline(deadline)
          .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(50))
              .maxBackoff(Duration.ofMillis(300)).perAttemptTimeout(deadline.dividedBy(2)).build())
          .build());
      sticky.put(nodes.get(i).id(), SecureTestbed.clientBuilder().endpoint(nodes.get(i).endpoint()).deadline(deadline)
          .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(50))
              .maxBackoff(Duration.ofMillis(300)).perAttemptTimeout(deadline.dividedBy(2)).build())
          .build());
      pinned.put(nodes.get(i).id(), SecureTestbed.clientBuilder().endpoint(nodes.get(i).endpoint())
          .deadline(Duration.ofSeconds(3)).retryPolicy(RetryPolicy.noRetries()).build());
    }
  }

  public List<NodeRef> nodes() {
    return nodes;
  }

  /** A client of {@code node} alone, retrying on it within the deadline (the workloads' processes). */
  public EdgeKvClient via(String node) {
    return sticky.get(node);
  }

  /** A client that starts at {@code node} and fails over to the others. */
  public EdgeKvClient failover(String node) {
    return preferring.get(node);
  }

  /**
   * A client that starts at {@code node} and fails over to the other nodes of its region only, as
   * docs/consistency.md asks of clients that need at-most-once retries (counters, conditions).
   */
  public EdgeKvClient regional(String node) {
    return regional.get(node);
  }

  /** A client that talks to {@code node} only, once per call. */
  public EdgeKvClient only(String node) {
    return pinned.get(node);
  }

  public String regionOf(String node) {
    return nodes.stream().filter(n -> n.id().equals(node)).map(NodeRef::region).findFirst().orElse(null);
  }

  @Override
  public void close() {
    preferring.values().forEach(EdgeKvClient::close);
    pinned.values().forEach(EdgeKvClient::close);
    sticky.values().forEach(EdgeKvClient::close);
    regional.values().forEach(EdgeKvClient::close);
  }
}
