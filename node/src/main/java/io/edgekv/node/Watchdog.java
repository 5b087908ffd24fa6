package io.edgekv.node;

import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.RegionReplica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can still make progress, checked by doing the work rather than trusting
 * flags: once a second it pushes a canary task through each of the node's executors and reads
 * each shard's applied position from its local RocksDB, and it watches each shard's apply.
 *
 * <ul>
 *   <li>Liveness ({@code /healthz}) fails when a canary has waited longer than
 *       {@link Settings#stuckAfter()}, the watchdog's own round has not finished in that time
 *       (a local read hangs), a shard's Raft group is gone from the server while the process
 *       lives, or a shard's storage is closed: an orchestrator should restart the node.
 *   <li>Readiness gets {@code saturated} (a canary waited longer than
 *       {@link Settings#saturatedAfter()}) and {@code apply_stalled} (entries committed but none
 *       applied for {@link Settings#applyStallAfter()}).
 * </ul>
 */
public final class Watchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  /**
   * @param interval time between two rounds
   * @param saturatedAfter canary wait that makes the node not ready
   * @param stuckAfter canary wait (or round time) that makes the node not alive
   * @param applyStallAfter time without apply progress, while behind its commit index, that makes a shard stalled
   */
  public record Settings(Duration interval, Duration saturatedAfter, Duration stuckAfter, Duration applyStallAfter) {
    public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofSeconds(30));
  }

  private final RegionReplica replica;
  private final Settings settings;
  private final LongSupplier nanoTime;
  private final Map<String, Executor> executors = new LinkedHashMap<>();
  private final Map<String, AtomicLong> canarySince = new LinkedHashMap<>();
  private final ScheduledExecutorService thread;
  private final AtomicLong roundStarted = new AtomicLong();
  private final AtomicLong roundEnded = new AtomicLong();
  private final long[] lastApplied;
  private final AtomicLongArray appliedSince;
  private volatile List<String> readProblems = List.of();

  public Watchdog(String nodeId, RegionReplica replica, Settings settings, LongSupplier nanoTime) {
    this.replica = replica;
    this.settings = settings;
    this.nanoTime = nanoTime;
    this.lastApplied = new long[replica.shards()];
    this.appliedSince = new AtomicLongArray(replica.shards());
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "watchdog-" + nodeId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Adds an executor to probe; call before {@link #start()}. */
  public Watchdog watch(String name, Executor executor) {
    executors.put(name, executor);
    canarySince.put(name, new AtomicLong());
    return this;
  }

  public Watchdog start() {
    long now = nanoTime.getAsLong();
    roundStarted.set(now);
    roundEnded.set(now);
    for (int i = 0; i < appliedSince.length(); i++) {
      appliedSince.set(i, now);
    }
    thread.scheduleWithFixedDelay(this::round, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void round() {
    long now = nanoTime.getAsLong();
    roundStarted.set(now);
    for (Map.Entry<String, Executor> e : executors.entrySet()) {
      AtomicLong since = canarySince.get(e.getKey());
      if (since.get() != 0) {
        continue; // the previous canary is still waiting: its age is what liveness looks at
      }
      since.set(now);
      try {
        e.getValue().execute(() -> since.set(0));
      } catch (RejectedExecutionException rejected) {
        since.set(0);
      }
    }
    List<String> problems = new ArrayList<>();
    for (int shard = 0; shard < replica.shards(); shard++) {
      try {
        long applied = replica.reads().storedAppliedIndex(shard);
        if (applied != lastApplied[shard]) {
          lastApplied[shard] = applied;
          appliedSince.set(shard, now);
        }
      } catch (RuntimeException e) {
        if (replica.shardFailure(shard).isEmpty()) {
          problems.add("shard_closed: shard " + shard + " cannot read its local storage: " + e.getMessage());
        }
      }
    }
    for (GroupInfo group : replica.groups()) {
      if (group.role() == GroupInfo.Role.UNKNOWN) {
        problems.add("shard_closed: the Raft group of shard " + group.shard() + " is no longer open on this node");
      }
      if (group.commitIndex() <= group.appliedIndex()) {
        appliedSince.set(group.shard(), now);
      }
    }
    readProblems = List.copyOf(problems);
    roundEnded.set(nanoTime.getAsLong());
  }

  /** Why this node cannot make progress; empty when it can. */
  public List<String> livenessFailures() {
    long now = nanoTime.getAsLong();
    long stuck = settings.stuckAfter().toNanos();
    List<String> out = new ArrayList<>(readProblems);
    canarySince.forEach((name, since) -> {
      long at = since.get();
      if (at != 0 && now - at > stuck) {
        out.add("executor_stuck: a task on the " + name + " executor has waited "
            + TimeUnit.NANOSECONDS.toSeconds(now - at) + " s (limit " + settings.stuckAfter().toSeconds() + " s)");
      }
    });
    if (roundEnded.get() - roundStarted.get() < 0 && now - roundStarted.get() > stuck) {
      out.add("watchdog_stuck: a local read has not returned for " + TimeUnit.NANOSECONDS.toSeconds(now - roundStarted.get())
          + " s");
    } else if (now - roundEnded.get() > stuck + settings.interval().toNanos()) {
      out.add("watchdog_stuck: no health round for " + TimeUnit.NANOSECONDS.toSeconds(now - roundEnded.get()) + " s");
    }
    return out;
  }

  /** Conditions that make the node not ready although it lives: saturation, stalled apply. */
  public List<String> notReadyReasons() {
    long now = nanoTime.getAsLong();
    List<String> out = new ArrayList<>();
    canarySince.forEach((name, since) -> {
      long at = since.get();
      if (at != 0 && now - at > settings.saturatedAfter().toNanos()) {
        out.add("saturated: a task on the " + name + " executor has waited " + TimeUnit.NANOSECONDS.toMillis(now - at)
            + " ms (limit " + settings.saturatedAfter().toMillis() + " ms)");
      }
    });
    for (int shard = 0; shard < appliedSince.length(); shard++) {
      long stalled = now - appliedSince.get(shard);
      if (stalled > settings.applyStallAfter().toNanos()) {
        out.add("apply_stalled: shard " + shard + " has applied nothing for " + TimeUnit.NANOSECONDS.toSeconds(stalled)
            + " s while behind its commit index");
      }
    }
    return out;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
