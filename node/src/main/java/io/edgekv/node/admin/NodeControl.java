package io.edgekv.node.admin;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What the admin API may ask of the running node itself. */
public interface NodeControl {
  /**
   * Stops taking anycast traffic: readiness fails and clients are sent elsewhere at once, and
   * the Raft leadership this node holds moves to other members. The node stays drained either
   * way; the future fails when leadership could not move within {@code timeout} (naming the
   * shards and why), and a second call tries again.
   */
  CompletableFuture<Void> drain(Duration timeout);

  /** Reverses {@link #drain(Duration)}. */
  void undrain();

  /** The node's effective configuration as YAML. */
  String effectiveConfig();
}
