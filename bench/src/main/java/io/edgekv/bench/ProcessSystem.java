package io.edgekv.bench;

import java.util.List;

/** A system under test made of the processes of one {@link Processes} group. */
abstract class ProcessSystem implements SystemUnderTest {
  final Processes processes = new Processes();
  private final String name;
  private final String endpoint;
  private final boolean anchor;

  ProcessSystem(String name, String endpoint, boolean anchor) {
    this.name = name;
    this.endpoint = endpoint;
    this.anchor = anchor;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String endpoint() {
    return endpoint;
  }

  @Override
  public final List<Long> pids() {
    return processes.pids();
  }

  @Override
  public final boolean anchor() {
    return anchor;
  }

  @Override
  public final void close() {
    processes.close();
  }
}
