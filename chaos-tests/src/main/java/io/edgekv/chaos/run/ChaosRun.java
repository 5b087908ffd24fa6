package io.edgekv.chaos.run;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgekv.api.v1.GroupStatus;
import io.edgekv.api.v1.NodeStatus;
import io.edgekv.chaos.checker.Anomalies;
import io.edgekv.chaos.checker.CheckResult;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.ClientExceptionsChecker;
import io.edgekv.chaos.checker.ConvergenceChecker;
import io.edgekv.chaos.checker.Verdict;
import io.edgekv.chaos.cluster.Cluster;
import io.edgekv.chaos.cluster.NodeRef;
import io.edgekv.chaos.history.History;
import io.edgekv.chaos.history.HostClock;
import io.edgekv.chaos.history.Recorder;
import io.edgekv.chaos.nemesis.NemesisRunner;
import io.edgekv.chaos.nemesis.Schedule;
import io.edgekv.chaos.report.HtmlReport;
import io.edgekv.chaos.report.ResultsJson;
import io.edgekv.chaos.workload.Clients;
import io.edgekv.chaos.workload.Proc;
import io.edgekv.chaos.workload.Workload;
import io.edgekv.client.Consistency;
import io.edgekv.client.KvEntry;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.ScanOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RunSpec}: starts a cluster, runs the workload's processes while the nemesis
 * plays its schedule, heals, lets the clients run through a recovery period, waits until every
 * node answers, takes the final reads (the workload's, and every node's own view for the
 * convergence check), then checks the history and writes {@code history.jsonl},
 * {@code results.json} and {@code report.html} into the run's directory.
 */
public final class ChaosRun {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
  /** Clients' per-call deadline: a call stuck longer becomes info and its process retires. */
  private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(2);
  /** Generous for loaded CI machines: a node restarting after a power loss took over 120 s beside two builds. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(300);
  private static final Duration CONVERGENCE_TIMEOUT = Duration.ofSeconds(45);

  private final RunSpec spec;
  private final Path dir;

  public ChaosRun(RunSpec spec, Path outputDir) {
    this.spec = spec;
    this.dir = outputDir.resolve(spec.id());
  }

  public RunResult execute(ClusterFactory factory) {
    long began = System.nanoTime();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LOG.info("run {}: workload {} nemesis {} time {}s seed {} (replay: {})", spec.id(), spec.workload().key(),
        spec.nemesis().key(), spec.faultSeconds(), spec.seed(), spec.replay());
    System.out.println("chaos run " + spec.id() + " seed " + spec.seed() + " — replay with " + spec.replay());
    Workload workload = spec.workload().create("");
    Schedule schedule;
    History history;
    List<CheckResult> results = new ArrayList<>();
    List<String> notServing = new ArrayList<>();
    try (Cluster cluster = factory.start(spec, dir.resolve("cluster"));
         Clients clients = new Clients(cluster.nodes(), CLIENT_DEADLINE)) {
      List<String> ids = cluster.nodes().stream().map(NodeRef::id).toList();
      List<String> regions = cluster.nodes().stream().map(NodeRef::region).distinct().toList();
      schedule = Schedule.generate(spec.nemesis(), spec.seed(), spec.faultSeconds() * 1000L, ids, regions,
          cluster.supports());
      awaitEveryNodeServes(clients, READY_TIMEOUT);
      // time zero of the history: the cluster is up and the clients start
      try (Recorder recorder = new Recorder(dir.resolve("history.jsonl"));
          HostClock hostClock = HostClock.watch(recorder)) {

      NemesisRunner nemesis = new NemesisRunner(cluster, recorder, () -> leader(clients),
          () -> awaitEveryNodeServes(clients, READY_TIMEOUT));
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < workload.concurrency(); w++) {
        Proc proc = new Proc(w, workload.concurrency(), spec.seed(), clients, recorder);
        workers.add(Thread.ofPlatform().name("chaos-worker-" + w).start(() -> work(workload, proc, stop)));
      }
      long start = System.nanoTime();
      try {
        nemesis.run(schedule, start);
        sleepUntil(start + TimeUnit.SECONDS.toNanos(spec.faultSeconds()));
      } finally {
        nemesis.heal("heal", JsonNodeFactory.instance.arrayNode());
      }
      // the recovery period counts from when every node serves again (a restarted JVM takes a
      // while). A node that does not come back (say its disk lost what it had acknowledged) does
      // not stop the run: the final reads go to the nodes that answer, and `recovery` reports it
      List<String> down = nodesNotServing(clients, READY_TIMEOUT);
      sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.recoverySeconds()));
      stop.set(true);
      for (Thread t : workers) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      workload.close();
      down = nodesNotServing(clients, down.isEmpty() ? READY_TIMEOUT : Duration.ofSeconds(20));
      notServing.addAll(down);
      List<NodeRef> serving = clients.nodes().stream().filter(n -> !notServing.contains(n.id())).toList();
      // across regions replication is asynchronous: give it (bounded) time to converge before
      // the workload's own final reads, which are then taken on every node
      boolean agreed = awaitConvergence(clients, serving, workload.keyPrefix(), CONVERGENCE_TIMEOUT);
      Proc finalProc = new Proc(1000, 1, spec.seed(), clients, recorder);
      workload.finalReads(finalProc);
      // if the nodes did not agree within the timeout, they will not a moment later: no second long wait
      convergenceReads(clients, serving, recorder, workload.keyPrefix(),
          agreed ? CONVERGENCE_TIMEOUT : Duration.ofSeconds(2));
      hostClock.sample(); // a step during the final reads counts too
      history = recorder.history();
      }
      cluster.saveLogs(dir);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    List<Checker> checkers = new ArrayList<>(workload.checkers());
    checkers.add(new ConvergenceChecker());
    checkers.add(new ClientExceptionsChecker());
    results.add(recovery(notServing));
    for (Checker c : checkers) {
      try {
        results.add(c.check(history));
      } catch (RuntimeException e) {
        LOG.warn("checker {} crashed", c.name(), e);
        results.add(new CheckResult(c.name(), Verdict.UNKNOWN, "checker crashed: " + e, List.of(), Map.of()));
      }
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    int operations = (int) history.ops().stream().filter(o -> !o.isNemesis() && o.isInvoke()).count();
    Map<String, Long> perNode = new TreeMap<>();
    history.ops().stream().filter(o -> !o.isNemesis() && o.type() == io.edgekv.chaos.history.Op.Type.OK && o.node() != null)
        .forEach(o -> perNode.merge(o.node(), 1L, Long::sum));
    RunResult result = new RunResult(spec, dir, results, seconds, operations, perNode);
    ResultsJson.write(dir.resolve("results.json"), result, schedule);
    HtmlReport.write(dir.resolve("report.html"), result, history);
    for (CheckResult r : results) {
      System.out.println("  " + r.checker() + ": " + r.verdict() + " — " + r.summary());
    }
    System.out.printf("chaos run %s: %s in %.0f s, %d operations (ok per node %s), report %s%n", spec.id(),
        result.outcome(), seconds, operations, perNode, dir.resolve("report.html"));
    return result;
  }

  private static void work(Workload workload, Proc proc, AtomicBoolean stop) {
    while (!stop.get()) {
      try {
        workload.step(proc);
      } catch (RuntimeException e) {
        LOG.warn("worker {} failed outside an operation", proc.worker(), e);
      }
      // a few hundred operations per second in all: enough contention, little CPU
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5 + proc.random().nextInt(20)));
    }
  }

  /** Waits until every node answers a STRONG read itself (a leader is known and reachable). */
  static void awaitEveryNodeServes(Clients clients, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (NodeRef n : clients.nodes()) {
      awaitServes(clients, n, deadline, timeout);
    }
  }

  private static void awaitServes(Clients clients, NodeRef n, long deadlineNanos, Duration timeout) {
    RuntimeException last = null;
    while (true) {
      try {
        clients.only(n.id()).get("__chaos_ready", ReadOptions.of(Consistency.STRONG));
        return;
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadlineNanos) {
        throw new IllegalStateException("node " + n.id() + " did not serve a STRONG read within " + timeout, last);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }
  }

  /**
   * Waits, at most {@code timeout} in all, until every node answers a STRONG read itself; returns
   * the nodes that still did not (empty when all serve). Never throws.
   */
  static List<String> nodesNotServing(Clients clients, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> down = new ArrayList<>();
    for (NodeRef n : clients.nodes()) {
      try {
        awaitServes(clients, n, deadline, timeout);
      } catch (IllegalStateException e) {
        LOG.warn("{}", e.getMessage());
        down.add(n.id());
      }
    }
    return down;
  }

  /**
   * The check that every node came back after the heal: a node that does not serve a STRONG read
   * within {@link #READY_TIMEOUT} of the heal (and again before the final reads) is an anomaly of
   * its own, reported apart from what the workload's checkers find in the history.
   */
  static CheckResult recovery(List<String> notServing) {
    if (notServing.isEmpty()) {
      return new CheckResult("recovery", Verdict.VALID, "every node served STRONG reads again after the heal",
          List.of(), Map.of("notServing", List.of()));
    }
    return new CheckResult("recovery", Verdict.INVALID, "nodes " + notServing + " did not serve a STRONG read within "
        + READY_TIMEOUT.toSeconds() + " s of the heal; the final reads went to the others",
        List.of(Anomalies.of("not-serving", "nodes " + notServing
            + " never served again after the heal (see their logs)")), Map.of("notServing", List.copyOf(notServing)));
  }

  /** The node that leads the region's group now, as the nodes themselves report it. */
  static Optional<String> leader(Clients clients) {
    for (NodeRef n : clients.nodes()) {
      try {
        for (NodeStatus s : clients.only(n.id()).adminStatus(true).getNodesList()) {
          for (GroupStatus g : s.getGroupsList()) {
            if ("LEADER".equalsIgnoreCase(g.getRole())) {
              return Optional.of(s.getId());
            }
          }
        }
      } catch (RuntimeException e) {
        // that node is down or cut off; ask the next
      }
    }
    return Optional.empty();
  }

  /**
   * Every node's own view of the workload's keys (EVENTUAL, from that node only). Waits, bounded,
   * until the views agree, then records one round as final reads for the convergence checker.
   */
  private static void convergenceReads(Clients clients, List<NodeRef> nodes, Recorder recorder, String prefix,
      Duration wait) {
    awaitConvergence(clients, nodes, prefix, wait);
    Proc proc = new Proc(2000, 1, 0, clients, recorder);
    for (NodeRef n : nodes) {
      Proc.Invocation inv = proc.invoke("read", prefix, NullNode.getInstance(), n.id(), "EVENTUAL", true);
      try {
        ObjectNode value = JsonNodeFactory.instance.objectNode();
        view(clients, n.id(), prefix).forEach(value::put);
        inv.ok(value, n.id());
      } catch (RuntimeException e) {
        inv.fail(NullNode.getInstance(), e.toString());
      }
    }
  }

  /** Waits, at most {@code timeout}, until every node's view of the prefix is the same; whether it is. */
  private static boolean awaitConvergence(Clients clients, List<NodeRef> nodes, String prefix, Duration timeout) {
    long began = System.nanoTime();
    long deadline = began + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<Map<String, String>> views = new ArrayList<>();
      try {
        for (NodeRef n : nodes) {
          views.add(view(clients, n.id(), prefix));
        }
      } catch (RuntimeException e) {
        views.clear();
      }
      if (!views.isEmpty() && views.stream().allMatch(v -> Objects.equals(v, views.getFirst()))) {
        LOG.info("nodes agree on {} after {} ms", prefix, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        return true;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
    }
    LOG.warn("nodes still disagree on {} after {}", prefix, timeout);
    return false;
  }

  private static Map<String, String> view(Clients clients, String node, String prefix) {
    Map<String, String> out = new TreeMap<>();
    ScanOptions scan = ScanOptions.builder().limit(ScanOptions.MAX_LIMIT).read(ReadOptions.of(Consistency.EVENTUAL)).build();
    clients.only(node).scanAll(prefix.getBytes(StandardCharsets.UTF_8), scan)
        .forEach((KvEntry e) -> out.put(e.keyAsString(), e.valueAsString() + "@" + e.version()));
    return out;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }
}
