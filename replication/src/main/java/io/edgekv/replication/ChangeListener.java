package io.edgekv.replication;

import io.edgekv.api.v1.ChangeEvent;

/**
 * Receives every change the replicated store applies, after it is durable in RocksDB, on the
 * apply thread: implementations must hand the event off quickly and never block.
 */
@FunctionalInterface
public interface ChangeListener {
  ChangeListener NONE = event -> {};

  void onChange(ChangeEvent event);
}
