package io.edgekv.node.metrics;

import io.edgekv.api.v1.Consistency;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;

/**
 * One node's meters, in its own registry (several nodes share a process in {@code edgekv dev}),
 * scraped from {@code /metrics}. Names are stable and low-cardinality: no key or id in a name
 * or a tag.
 */
public final class NodeMetrics implements AutoCloseable {
  public static final String REQUEST_LATENCY = "edgekv.request.latency";
  private static final List<String> OPS = List.of("get", "batch_get", "put", "delete", "scan", "touch", "txn");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public NodeMetrics(String nodeId, String region) {
    registry.config().commonTags("node", nodeId, "region", region);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
    // Publish the histogram buckets of the common successful calls from the start, so
    // dashboards and alerts see the series before the first request.
    for (String op : OPS) {
      requestTimer(op, List.of("put", "delete", "touch", "txn").contains(op) ? "none" : consistencyTag(Consistency.EVENTUAL), "OK");
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Timer requestTimer(String op, String consistency, String status) {
    return Timer.builder(REQUEST_LATENCY)
        .description("Public API request latency by operation, consistency and gRPC status")
        .tags(Tags.of("op", op, "consistency", consistency, "status", status))
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  public static String consistencyTag(Consistency consistency) {
    return switch (consistency) {
      case CONSISTENCY_UNSPECIFIED, EVENTUAL, UNRECOGNIZED -> "eventual";
      case SESSION -> "session";
      case BOUNDED -> "bounded";
      case STRONG -> "strong";
    };
  }

  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
