package io.edgekv.bench;

import java.util.List;

/**
 * A system the bench measures, running in processes of its own on loopback: the endpoint its
 * client connects to (the first node or member), the processes whose CPU is counted, and the
 * class path of its load generator.
 */
interface SystemUnderTest extends AutoCloseable {
  /** {@code edgekv}, {@code redis} or {@code etcd}. */
  String name();

  /** HOST:PORT of the node or member the client uses. */
  String endpoint();

  /** The server processes, whose CPU time is counted. */
  List<Long> pids();

  /** Whether the load generator runs on the anchor class path (else on the node jar's). */
  boolean anchor();

  @Override
  void close();
}
