package io.edgekv.chaos.nemesis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.chaos.cluster.Cluster;
import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.chaos.cluster.SecureTestbed;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvClientBuilder;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.RetryPolicy;
import io.edgekv.client.Watch;
import io.edgekv.client.WatchListener;
import io.edgekv.client.WatchOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults that are activity rather than a state: a clock strobe, leadership transfers, an
 * overload of writes, watchers that do not keep up. Each runs on its own threads from the
 * window's start until {@link #stop()} (the heal), with its own clients (never the workload's),
 * and reports what it did into the fault's JSON when it stops.
 */
final class Disturbances {
  private static final Logger LOG = LoggerFactory.getLogger(Disturbances.class);
  private final Cluster cluster;
  private final Supplier<Optional<String>> leader;
  private final List<Running> running = new ArrayList<>();
  /** The spare's membership: 0 never added, 1 a member, 2 removed again (see {@link #growOrShrink}). */
  private final AtomicInteger spareStage = new AtomicInteger();

  private record Running(AtomicBoolean stop, List<Thread> threads, List<AutoCloseable> resources, ObjectNode report,
      AtomicLong done, AtomicLong errors) {}

  Disturbances(Cluster cluster, Supplier<Optional<String>> leader) {
    this.cluster = cluster;
    this.leader = leader;
  }

  private Running start(ObjectNode report) {
    Running r = new Running(new AtomicBoolean(), new ArrayList<>(), new ArrayList<>(), report, new AtomicLong(),
        new AtomicLong());
    synchronized (running) {
      running.add(r);
    }
    return r;
  }

  private static EdgeKvClient client(NodeRef node, ExecutorService executor) {
    EdgeKvClientBuilder b = builder(node, Duration.ofSeconds(2));
    return (executor == null ? b : b.executor(executor)).build();
  }

  /** A client of {@code node} alone, without retries: a fault's calls say what they did. */
  private static EdgeKvClientBuilder builder(NodeRef node, Duration deadline) {
    return SecureTestbed.clientBuilder().endpoint(node.endpoint()).deadline(deadline).retryPolicy(RetryPolicy.noRetries());
  }

  void strobe(Fault.Strobe s, ObjectNode report) {
    Running r = start(report);
    r.threads().add(Thread.ofPlatform().name("chaos-strobe").start(() -> {
      boolean on = false;
      while (!r.stop().get()) {
        on = !on;
        try {
          cluster.setClockOffset(s.node(), Duration.ofMillis(on ? s.offsetMillis() : 0));
          r.done().incrementAndGet();
        } catch (RuntimeException e) {
          r.errors().incrementAndGet();
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(s.periodMillis()));
      }
    }));
  }

  void membership(Fault.Membership m, ObjectNode report) {
    Running r = start(report);
    ArrayNode changes = report.putArray("changes");
    r.threads().add(Thread.ofPlatform().name("chaos-membership").start(() -> {
      cluster.spare().ifPresent(spare -> growOrShrink(spare, r, changes));
      for (int i = 0; i < m.transfers() && !r.stop().get(); i++) {
        String from = leader.get().orElse(null);
        List<NodeRef> nodes = cluster.nodes();
        String to = Fault.LEADER.equals(m.target()) || m.target().equals(from)
            ? nodes.stream().map(NodeRef::id).filter(id -> !id.equals(from)).skip(i % Math.max(1, nodes.size() - 1))
                .findFirst().orElse(null)
            : m.target();
        NodeRef ask = cluster.node(from != null ? from : nodes.getFirst().id());
        try (EdgeKvClient c = builder(ask, Duration.ofSeconds(5)).build()) {
          c.admin().transferLeader(-1, to);
          r.done().incrementAndGet();
        } catch (RuntimeException e) {
          r.errors().incrementAndGet();
          LOG.info("membership: transfer {} -> {} failed: {}", from, to, e.toString());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500));
      }
    }));
  }

  /**
   * The region's membership change of this window: the first adds the spare (4 voters), the next
   * removes it again (3). A removed node may join again only with its data wiped
   * (docs/operations.md), so later windows only move leadership. A change whose outcome is unknown
   * (deadline) is tried again in the next window: both commands are idempotent.
   */
  private void growOrShrink(Cluster.Spare spare, Running r, ArrayNode changes) {
    int stage = spareStage.get();
    if (stage >= 2) {
      return;
    }
    String via = leader.get().orElse(cluster.nodes().getFirst().id());
    String what = (stage == 0 ? "add-node " : "remove-node ") + spare.node().id();
    long began = System.nanoTime();
    String outcome;
    try (EdgeKvClient c = builder(cluster.node(via), Duration.ofSeconds(20)).build()) {
      if (stage == 0) {
        c.admin().addNode(spare.node().id(), spare.host(), spare.raftPort());
      } else {
        c.admin().removeNode(spare.node().id());
      }
      spareStage.incrementAndGet();
      r.done().incrementAndGet();
      outcome = "ok";
    } catch (RuntimeException e) {
      r.errors().incrementAndGet();
      outcome = e.getMessage();
      LOG.info("membership: {} through {} failed: {}", what, via, e.toString());
    }
    synchronized (changes) {
      changes.addObject().put("change", what).put("via", via).put("outcome", outcome)
          .put("millis", (System.nanoTime() - began) / 1_000_000);
    }
  }

  void overload(Fault.Overload o, ObjectNode report) {
    Running r = start(report);
    ExecutorService executor = Executors.newFixedThreadPool(2);
    EdgeKvClient c = client(cluster.node(o.node()), executor);
    r.resources().add(c);
    r.resources().add(executor::shutdownNow);
    String value = "x".repeat(4096);
    for (int w = 0; w < o.writers(); w++) {
      int writer = w;
      r.threads().add(Thread.ofVirtual().name("chaos-overload-" + w).start(() -> {
        long n = 0;
        while (!r.stop().get()) {
          try {
            c.put("overload/" + writer + "/" + (n++ % 64), value);
            r.done().incrementAndGet();
          } catch (RuntimeException e) {
            r.errors().incrementAndGet();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
          }
        }
      }));
    }
  }

  void slowConsumer(Fault.SlowConsumer s, ObjectNode report) {
    Running r = start(report);
    ExecutorService executor = Executors.newFixedThreadPool(2);
    EdgeKvClient c = client(cluster.node(s.node()), executor);
    InvalidationClient inv = InvalidationClient.of(c);
    r.resources().add(c);
    r.resources().add(inv);
    r.resources().add(executor::shutdownNow);
    for (int i = 0; i < s.watches(); i++) {
      try {
        Watch w = inv.watch(WatchOptions.everything(), new WatchListener() {
          @Override
          public void onEvent(InvalidationEvent event) {
            r.done().incrementAndGet();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // does not keep up
          }

          @Override
          public void onReset(String reason) {
            r.errors().incrementAndGet();
          }
        });
        r.resources().add(w);
      } catch (RuntimeException e) {
        r.errors().incrementAndGet();
      }
    }
    // writes that the slow watchers must be told about, besides the workload's
    String value = "y".repeat(1024);
    r.threads().add(Thread.ofVirtual().name("chaos-slow-consumer-writer").start(() -> {
      long n = 0;
      while (!r.stop().get()) {
        try {
          c.put("slow/" + (n++ % 256), value);
        } catch (RuntimeException e) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    }));
  }

  /** Stops everything running, records what it did, and releases its clients. */
  void stop() {
    List<Running> all;
    synchronized (running) {
      all = List.copyOf(running);
      running.clear();
    }
    for (Running r : all) {
      r.stop().set(true);
    }
    for (Running r : all) {
      for (Thread t : r.threads()) {
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      for (AutoCloseable c : r.resources()) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.debug("closing {}: {}", c, e.toString());
        }
      }
      r.report().put("done", r.done().get()).put("errors", r.errors().get());
    }
  }
}
