package io.edgekv.node.api;

import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.ReadOptions;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.raft.RegionReplica;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Decides when the local replica may answer a read at the requested consistency
 * (docs/consistency.md):
 * <ul>
 *   <li>EVENTUAL: at once.
 *   <li>SESSION: once this replica has applied what the session token names; after a bounded
 *       wait, through a Raft read index instead (which covers the token).
 *   <li>BOUNDED: at once if this replica's staleness is within the bound, else read index.
 *   <li>STRONG: after a Raft read index confirmed by the leader with a majority (linearizable).
 * </ul>
 * Every path completes with the caller's session token advanced to what the read reflects.
 */
public final class ReadBarriers {
  private final RegionReplica replica;
  private final Duration sessionWait;
  /** Chaos self-test bugs only (refused unless explicitly allowed): see {@link UnsafeSwitches}. */
  private final UnsafeSwitches unsafe;

  public ReadBarriers(RegionReplica replica, Duration sessionWait, UnsafeSwitches unsafe) {
    this.replica = replica;
    this.sessionWait = sessionWait;
    this.unsafe = unsafe;
  }

  /** The caller's session token, or an empty one (also for a token of another region). */
  public SessionToken sessionOf(String token) {
    SessionToken empty = SessionToken.empty(replica.region(), replica.shards());
    if (token.isEmpty()) {
      return empty;
    }
    SessionToken decoded = SessionToken.decode(token);
    if (decoded.appliedIndexes().length != replica.shards()) {
      return empty;
    }
    return decoded.region().equals(replica.region()) ? decoded : decoded.movedTo(replica.region());
  }

  /** Completes when shard {@code shard} may be read locally at the requested consistency. */
  public CompletableFuture<SessionToken> await(int shard, ReadOptions read) {
    SessionToken session = sessionOf(read.getSessionToken());
    return barrier(shard, read, session, Calls.deadline()).thenApply(ignored -> after(session, shard, replica.appliedIndex(shard).get()));
  }

  /** True for the consistency of reads that wait for nothing (EVENTUAL, and the default). */
  public static boolean eventual(Consistency consistency) {
    return consistency == Consistency.EVENTUAL || consistency == Consistency.CONSISTENCY_UNSPECIFIED;
  }

  /**
   * {@link #await} for an EVENTUAL read, which waits for nothing: the token as of what this
   * replica has applied now. Costs no storage access (the version vector is in memory), so it
   * may run on a transport thread.
   */
  public SessionToken eventual(int shard, ReadOptions read) {
    return after(sessionOf(read.getSessionToken()), shard, replica.appliedIndex(shard).get());
  }

  /** {@link #eventual(int, ReadOptions)} for every shard (batch reads). */
  public SessionToken eventualAll(ReadOptions read) {
    SessionToken out = sessionOf(read.getSessionToken());
    for (int shard = 0; shard < replica.shards(); shard++) {
      out = after(out, shard, replica.appliedIndex(shard).get());
    }
    return out;
  }

  /** Like {@link #await} for every shard (batch reads and scans). */
  public CompletableFuture<SessionToken> awaitAll(ReadOptions read) {
    SessionToken session = sessionOf(read.getSessionToken());
    CompletableFuture<?>[] all = new CompletableFuture<?>[replica.shards()];
    Deadline deadline = Calls.deadline();
    for (int shard = 0; shard < all.length; shard++) {
      all[shard] = barrier(shard, read, session, deadline);
    }
    return CompletableFuture.allOf(all).thenApply(ignored -> {
      SessionToken out = session;
      for (int shard = 0; shard < all.length; shard++) {
        out = after(out, shard, replica.appliedIndex(shard).get());
      }
      return out;
    });
  }

  /**
   * The session's token after an operation on {@code shard} that reflects {@code index}: the
   * index, and this region's version vector for the shard (what the operation saw, by origin).
   */
  public SessionToken after(SessionToken session, int shard, long index) {
    return session.advance(shard, index).seen(shard, replica.reads().versionVector(shard));
  }

  /**
   * Completes once this region has applied, from every origin, what the session has seen there
   * (cross-region read-your-writes); fails with UNAVAILABLE at the deadline, since answering
   * would break the guarantee. Waits on applied entries, never polls.
   */
  private CompletableFuture<Void> awaitVector(int shard, Map<String, Long> seen, long deadlineNanos) {
    if (seen.isEmpty() || covers(shard, seen)) {
      return CompletableFuture.completedFuture(null);
    }
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      String missing = seen.entrySet().stream()
          .filter(e -> replica.reads().versionVector(shard).getOrDefault(e.getKey(), 0L) < e.getValue())
          .map(Map.Entry::getKey).sorted().collect(Collectors.joining(", "));
      return CompletableFuture.failedFuture(new NodeUnavailableException("session: region " + replica.region()
          + " has not yet received writes this session saw from " + missing + "; retry, or read in that region"));
    }
    return replica.appliedIndex(shard).await(replica.appliedIndex(shard).get() + 1, remaining, TimeUnit.NANOSECONDS)
        .thenCompose(ignored -> awaitVector(shard, seen, deadlineNanos));
  }

  private boolean covers(int shard, Map<String, Long> seen) {
    Map<String, Long> mine = replica.reads().versionVector(shard);
    return seen.entrySet().stream().allMatch(e -> mine.getOrDefault(e.getKey(), 0L) >= e.getValue());
  }

  private CompletableFuture<?> barrier(int shard, ReadOptions read, SessionToken session, Deadline deadline) {
    return switch (read.getConsistency()) {
      case EVENTUAL, CONSISTENCY_UNSPECIFIED -> CompletableFuture.completedFuture(null);
      case SESSION -> {
        if (unsafe.on(UnsafeSwitches.Switch.SESSION_READS_LOCAL)) {
          yield CompletableFuture.completedFuture(null);
        }
        long target = session.appliedIndexes()[shard];
        Map<String, Long> seen = session.vectors().get(shard);
        long vectorDeadline = Math.min(deadline.atNanos(), System.nanoTime() + sessionWait.toNanos());
        // An index beyond what this replica knows to be committed will not be applied here by
        // waiting (a token from a write still in flight, or a forged one): ask for a read index,
        // which covers everything the region committed, instead of waiting for it.
        CompletableFuture<?> applied = target > replica.commitIndex(shard)
            ? replica.readBarrier(shard, deadline)
            : replica.appliedIndex(shard).await(target, Math.min(sessionWait.toNanos(), deadline.remainingNanos()),
                    TimeUnit.NANOSECONDS)
                .thenCompose(index -> index >= target ? CompletableFuture.completedFuture(index)
                    : replica.readBarrier(shard, deadline));
        yield applied.thenCompose(ignored -> awaitVector(shard, seen, vectorDeadline));
      }
      case BOUNDED -> {
        long bound = read.getMaxStalenessMs();
        if (bound == 0) {
          throw new InvalidInputException("read.max_staleness_ms", "1",
              "read.max_staleness_ms must be set (at least 1) for BOUNDED reads");
        }
        yield replica.stalenessMillis(shard) <= bound
            ? CompletableFuture.completedFuture(null) : replica.readBarrier(shard, deadline);
      }
      case STRONG -> unsafe.on(UnsafeSwitches.Switch.STRONG_READS_LOCAL)
          ? CompletableFuture.completedFuture(null) : replica.readBarrier(shard, deadline);
      case UNRECOGNIZED -> throw new InvalidInputException("read.consistency", "",
          "read.consistency " + read.getConsistencyValue() + " is not one of EVENTUAL, SESSION, BOUNDED, STRONG");
    };
  }
}
