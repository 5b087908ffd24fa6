package io.edgekv.chaos.workload;

import io.edgekv.chaos.checker.Checker;
import java.util.List;
import java.util.Locale;

/**
 * What the clients do during a run, what they read at the end, and which checkers judge it.
 * One instance serves one run; {@link #step} is called concurrently from the workers.
 */
public interface Workload {
  String name();

  /** Number of concurrent workers (logical processes at a time). */
  int concurrency();

  /** The prefix of every key this workload touches (the convergence check reads it on every node). */
  String keyPrefix();

  /** Generates, performs and records one operation of {@code proc}. */
  void step(Proc proc);

  /** The reads after heal and recovery, recorded with {@code "final": true}. */
  void finalReads(Proc proc);

  /** The checkers of this workload (convergence is added by the run). */
  List<Checker> checkers();

  /** Releases what the workload holds (e.g. near caches and their watches); after the workers stopped. */
  default void close() {}

  /** The workloads {@code -Dchaos.workload} can name. */
  enum Kind {
    REGISTER, SET, SESSION,
    /** Cross-region: last-writer-wins registers written in every region (3 regions x 1 node). */
    LWW,
    /** Cross-region: the set workload with adds in every region, read on every node at the end. */
    SET_XR,
    /** Cross-region: CRDT counters incremented in every region. */
    COUNTER,
    /** One region: near-cache reads (Watch invalidation) against writers of increasing values. */
    CACHE_STALENESS,
    /** One region, one shard: list-append transactions (BatchGet, then Txn), checked for strict serializability. */
    APPEND,
    /** One region, 4 shards: keys with TTLs read against their expiry under clock skew. */
    TTL,
    /** One region, 4 shards: purges by tag and by prefix among writes and reads. */
    PURGE;

    public static Kind parse(String s) {
      return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    public String key() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether this workload runs on several regions (3 x 1) rather than one region of 3 nodes. */
    public boolean crossRegion() {
      return this == LWW || this == SET_XR || this == COUNTER;
    }

    /** The topology's shard count for this workload's runs (transactions need their keys in one shard). */
    public int shards() {
      return this == SET || this == TTL || this == PURGE ? 4 : 1;
    }

    public Workload create(String prefix) {
      return switch (this) {
        case REGISTER -> new RegisterWorkload(prefix);
        case SET -> new SetWorkload(prefix, false);
        case SESSION -> new SessionWorkload(prefix);
        case LWW -> new LwwWorkload(prefix);
        case SET_XR -> new SetWorkload(prefix, true);
        case COUNTER -> new CounterWorkload(prefix);
        case CACHE_STALENESS -> new CacheStalenessWorkload(prefix);
        case APPEND -> new AppendWorkload(prefix);
        case TTL -> new TtlWorkload(prefix);
        case PURGE -> new PurgeWorkload(prefix);
      };
    }
  }
}
