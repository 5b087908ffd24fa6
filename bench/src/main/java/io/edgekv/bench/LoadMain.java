package io.edgekv.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load generator: one process per measurement, started by the harness, on the class path of
 * the system it drives (EdgeKV's client with the node jar; Lettuce and jetcd with the anchor
 * libraries). Arguments are {@code --name value} pairs: {@code --system edgekv|redis|etcd},
 * {@code --endpoint HOST:PORT}, {@code --keys N}, {@code --value-bytes N}, then either {@code
 * --preload} or {@code --workload KIND --in-flight N --warmup-ms N --duration-ms N --pids P,P};
 * {@code --coalesce false} turns EdgeKV's get coalescing off.
 * It prints one JSON object on stdout: the measured phase (its HdrHistogram compressed and in
 * Base64) or the preload's count. Exit 2 on bad arguments, 1 when the run failed.
 */
public final class LoadMain {
  private static final Duration PRELOAD_DEADLINE = Duration.ofMinutes(10);
  private static final int PRELOAD_IN_FLIGHT = 8;

  private LoadMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    String system = options.get("system");
    int keys = Integer.parseInt(options.get("keys"));
    int valueBytes = Integer.parseInt(options.get("value-bytes"));
    byte[][] keyBytes = keys(keys);
    byte[] value = value(valueBytes);
    Map<String, Object> out;
    boolean coalesce = !"false".equals(options.get("coalesce"));
    try (KvDriver driver = open(system, options.get("endpoint"), coalesce)) {
      if (options.containsKey("preload")) {
        out = preload(driver, keyBytes, value);
      } else {
        out = measure(driver, options, keyBytes, value);
      }
    } catch (RuntimeException e) {
      System.err.println("error: " + system + ": " + e);
      System.exit(1);
      return;
    }
    System.out.println(new ObjectMapper().writeValueAsString(out));
    System.out.flush();
    System.exit(0);
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name, got '" + args[i] + "'");
      }
      String name = args[i].substring(2);
      if (name.equals("preload")) {
        options.put(name, "true");
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
    }
    for (String required : List.of("system", "endpoint", "keys", "value-bytes")) {
      if (!options.containsKey(required)) {
        throw new IllegalArgumentException("--" + required + " is required");
      }
    }
    return options;
  }

  private static KvDriver open(String system, String endpoint, boolean coalesce) {
    return switch (system) {
      case "edgekv" -> new EdgeKvDriver(endpoint, coalesce);
      case "redis" -> new RedisDriver(endpoint);
      case "etcd" -> new EtcdDriver(endpoint);
      default -> throw new IllegalArgumentException("unknown system '" + system + "'");
    };
  }

  /** The bench's key names: {@code bench/0000042}, the same for every system. */
  static byte[][] keys(int n) {
    byte[][] keys = new byte[n][];
    for (int i = 0; i < n; i++) {
      keys[i] = String.format("bench/%07d", i).getBytes(StandardCharsets.US_ASCII);
    }
    return keys;
  }

  static byte[] value(int bytes) {
    byte[] value = new byte[bytes];
    Arrays.fill(value, (byte) 'v');
    return value;
  }

  private static Map<String, Object> measure(KvDriver driver, Map<String, String> options, byte[][] keys,
      byte[] value) throws InterruptedException {
    Workload.Kind kind = Workload.Kind.ofLabel(options.get("workload"));
    int inFlight = Integer.parseInt(options.get("in-flight"));
    List<Long> pids = Arrays.stream(options.get("pids").split(",")).map(Long::parseLong).toList();
    ClosedLoop.Call call = switch (kind) {
      case GET_LOCAL -> i -> driver.getLocal(keys[i]);
      case GET_LINEARIZABLE -> i -> driver.getLinearizable(keys[i]);
      case PUT_DURABLE -> i -> driver.put(keys[i], value);
    };
    ClosedLoop loop = new ClosedLoop(call, inFlight, keys.length, driver::errorName);
    ClosedLoop.Outcome o = loop.run(Duration.ofMillis(Long.parseLong(options.get("warmup-ms"))),
        Duration.ofMillis(Long.parseLong(options.get("duration-ms"))), Duration.ofSeconds(30),
        () -> ProcCpu.ticks(pids));
    ByteBuffer buffer = ByteBuffer.allocate(o.latencyNanos().getNeededByteBufferCapacity());
    int length = o.latencyNanos().encodeIntoCompressedByteBuffer(buffer);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ops", o.latencyNanos().getTotalCount());
    out.put("elapsedNanos", o.elapsedNanos());
    out.put("cpuTicks", o.cpuTicks());
    out.put("misses", o.misses());
    out.put("errors", o.errors());
    out.put("warmupErrors", o.warmupErrors());
    out.put("histogram", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
    return out;
  }

  /**
   * Writes every key in the driver's batches, a few batches in flight; a failed batch is
   * retried (a region just started may not have a leader yet) until the preload deadline.
   */
  private static Map<String, Object> preload(KvDriver driver, byte[][] keys, byte[] value) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + PRELOAD_DEADLINE.toNanos();
    Semaphore window = new Semaphore(PRELOAD_IN_FLIGHT);
    AtomicReference<Throwable> lastFailure = new AtomicReference<>();
    List<CompletableFuture<Boolean>> pending = new ArrayList<>();
    for (int from = 0; from < keys.length; from += driver.maxBatch()) {
      byte[][] batch = Arrays.copyOfRange(keys, from, Math.min(keys.length, from + driver.maxBatch()));
      if (!window.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("preload did not finish within " + PRELOAD_DEADLINE);
      }
      CompletableFuture<Boolean> done = new CompletableFuture<>();
      pending.add(done);
      putWithRetry(driver, batch, value, deadline, done, lastFailure);
      done.whenComplete((ok, e) -> window.release());
    }
    for (CompletableFuture<Boolean> f : pending) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("preload failed: " + (lastFailure.get() != null ? lastFailure.get() : e), e);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("preloaded", keys.length);
    out.put("elapsedNanos", System.nanoTime() - start);
    return out;
  }

  private static void putWithRetry(KvDriver driver, byte[][] batch, byte[] value, long deadline,
      CompletableFuture<Boolean> done, AtomicReference<Throwable> lastFailure) {
    driver.putBatch(batch, value).whenComplete((ok, e) -> {
      if (e == null) {
        done.complete(true);
      } else if (System.nanoTime() < deadline) {
        lastFailure.set(e);
        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
            .execute(() -> putWithRetry(driver, batch, value, deadline, done, lastFailure));
      } else {
        done.completeExceptionally(e);
      }
    });
  }
}
