package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgekv.chaos.history.Op;
import io.edgekv.chaos.history.Recorder;
import io.edgekv.client.ConditionFailedException;
import io.edgekv.client.EdgeKvException;
import io.grpc.Status;
import java.util.Random;

/**
 * One worker thread's view of the run: its current logical process (single-threaded, one
 * operation at a time), its seeded random source, the clients and the recorder. When an
 * operation's outcome is unknown ({@code info}) the process retires and the worker continues
 * as a new process ({@code process + workers}), as in Jepsen.
 */
public final class Proc {
  private final int worker;
  private final int workers;
  private final Random random;
  private final Clients clients;
  private final Recorder recorder;
  private int process;
  private int generation;
  private Object state;

  public Proc(int worker, int workers, long seed, Clients clients, Recorder recorder) {
    this.worker = worker;
    this.workers = workers;
    this.process = worker;
    this.random = new Random(seed * 1_000_003L + worker);
    this.clients = clients;
    this.recorder = recorder;
  }

  public int process() {
    return process;
  }

  public Random random() {
    return random;
  }

  public Clients clients() {
    return clients;
  }

  /**
   * The node this logical process is pinned to: process {@code p} talks to node {@code p mod n},
   * so a process that retires (after an unknown outcome) continues on the next node, and every
   * node, restarted ones included, serves its share of the operations.
   */
  public String node() {
    return clients.nodes().get(Math.floorMod(process, clients.nodes().size())).id();
  }

  /** The node of the next operation: the process's own ({@link #node()}). */
  public String randomNode() {
    return node();
  }

  /** A node drawn at random (final reads, which are not pinned). */
  public String anyNode() {
    return clients.nodes().get(random.nextInt(clients.nodes().size())).id();
  }

  /** How long a final read keeps retrying (through every node) before it is recorded as failed. */
  public static final java.time.Duration FINAL_DEADLINE = java.time.Duration.ofSeconds(60);
  /**
   * How long the final reads of one process may retry in all: once spent (the region cannot
   * serve, as after the {@code skip-fsync} self-test lost a quorum's data), every remaining
   * final read gets one try, so a run ends in minutes instead of a minute per key.
   */
  public static final java.time.Duration FINAL_PHASE_BUDGET = java.time.Duration.ofSeconds(180);
  /** When this process's final-read budget runs out (System.nanoTime); set by the first final read. */
  private long finalPhaseEnd;
  private boolean finalPhaseStarted;

  /**
   * Calls {@code read} until it succeeds or {@link #FINAL_DEADLINE} passes (and at most until
   * {@link #FINAL_PHASE_BUDGET} after this process's first final read), for the final reads
   * (which have no effect, so retrying inside one recorded operation is sound): a loaded machine
   * must not turn one slow read into an undecided run. Rethrows the last failure.
   */
  public <T> T untilDeadline(java.util.function.Supplier<T> read) {
    long now = System.nanoTime();
    if (!finalPhaseStarted) {
      finalPhaseStarted = true;
      finalPhaseEnd = now + FINAL_PHASE_BUDGET.toNanos();
    }
    long deadline = Math.min(now + FINAL_DEADLINE.toNanos(), finalPhaseEnd);
    while (true) {
      try {
        return read.get();
      } catch (RuntimeException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250));
      }
    }
  }

  /** Per-process workload state; null after the process retires. */
  @SuppressWarnings("unchecked")
  public <T> T state() {
    return (T) state;
  }

  public void state(Object s) {
    this.state = s;
  }

  /** How many times this worker has retired a process. */
  public int generation() {
    return generation;
  }

  /** Records an invocation; complete it through the returned handle. */
  public Invocation invoke(String f, String key, JsonNode value, String node, String consistency, boolean fin) {
    recorder.record(process, Op.Type.INVOKE, f, key, value, node, clients.regionOf(node), fin, consistency, null);
    return new Invocation(f, key, node, consistency, fin);
  }

  /** Completes one invocation exactly once. */
  public final class Invocation {
    private final String f;
    private final String key;
    private final String node;
    private final String consistency;
    private final boolean fin;

    private Invocation(String f, String key, String node, String consistency, boolean fin) {
      this.f = f;
      this.key = key;
      this.node = node;
      this.consistency = consistency;
      this.fin = fin;
    }

    public void ok(JsonNode value, String servedBy) {
      String n = servedBy == null || servedBy.isEmpty() ? node : servedBy;
      recorder.record(process, Op.Type.OK, f, key, value, n, clients.regionOf(n), fin, consistency, null);
    }

    public void fail(JsonNode value, String error) {
      recorder.record(process, Op.Type.FAIL, f, key, value, node, clients.regionOf(node), fin, consistency, error);
    }

    /** Unknown outcome: recorded as info, and the process retires. */
    public void info(JsonNode value, String error) {
      recorder.record(process, Op.Type.INFO, f, key, value, node, clients.regionOf(node), fin, consistency, error);
      process += workers;
      generation++;
      state = null;
    }

    /**
     * Completes with the failure {@code e}: definite refusals are {@code fail}; for a write, a
     * transport failure or timeout may have applied, so it is {@code info}; for a read, only a
     * timeout is {@code info}.
     */
    public void failed(JsonNode value, RuntimeException e, boolean mutates) {
      if (!(e instanceof EdgeKvException)) {
        // not a refusal or a transport failure but a bug on the client side, maybe after the call
        // succeeded: unknown outcome for the models, an anomaly for the client-exceptions checker
        info(value, UNEXPECTED + e);
        return;
      }
      String error = describe(e);
      if (definite(e, mutates)) {
        fail(value, error);
      } else {
        info(value, error);
      }
    }
  }

  /** The error prefix of an exception that is neither a refusal nor a transport failure (an anomaly). */
  public static final String UNEXPECTED = io.edgekv.chaos.checker.ClientExceptionsChecker.PREFIX;

  static boolean definite(RuntimeException e, boolean mutates) {
    if (e instanceof ConditionFailedException) {
      return true;
    }
    if (!(e instanceof EdgeKvException k)) {
      return false;
    }
    Status.Code code = k.code();
    return switch (code) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED,
          RESOURCE_EXHAUSTED, NOT_FOUND, OUT_OF_RANGE, UNIMPLEMENTED -> true;
      case DEADLINE_EXCEEDED -> false;
      default -> !mutates;
    };
  }

  static String describe(RuntimeException e) {
    if (e instanceof EdgeKvException k) {
      String m = k.getMessage();
      return k.code() + (m == null ? "" : ": " + (m.length() > 200 ? m.substring(0, 200) : m));
    }
    return e.toString();
  }

  public int worker() {
    return worker;
  }
}
