package io.edgekv.chaos.cluster;

/** The kinds of fault a cluster can inject. */
public enum FaultKind {
  /** Network partitions between nodes (TCP connections refused with a reset). */
  PARTITION,
  /** kill -9 of a node's process, restarted later with its data. */
  KILL,
  /** A node frozen with docker pause (connections open, nothing answers), resumed later. */
  PAUSE,
  /** A node's wall clock moved by an offset (monotonic clocks untouched). */
  CLOCK,
  /**
   * Partitions between regions: one region cut from the others, or two regions cut from each
   * other while a third still reaches both (a relay). Only clusters of several regions.
   */
  REGION_PARTITION,
  /** Delay and loss on the links between regions (the WAN relay). Only clusters of several regions. */
  WAN,
  /** Kill of nodes whose data lives on the power-loss file system: unsynced data is lost ({@code LazyFs}). */
  POWER_LOSS,
  /** Membership changes through the admin API (leadership transfers). */
  MEMBERSHIP,
  /** Load from outside the workload: an overload of writes, watchers that do not read. */
  LOAD
}
