package io.edgekv.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The server processes of one system: started with their output in a log file, waited for with
 * a deadline, stopped (TERM, then KILL after a grace period) when closed.
 */
class Processes implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Every group not yet closed: a harness stopped by a signal stops its servers too. */
  private static final Set<Processes> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(OPEN).forEach(Processes::close),
        "bench-compare-stop"));
  }

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  Processes() {
    OPEN.add(this);
  }

  /** Starts {@code command} with stdout and stderr appended to {@code log}. */
  Process start(List<String> command, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      synchronized (processes) {
        processes.add(p);
        logs.add(log);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
    }
  }

  List<Long> pids() {
    synchronized (processes) {
      return processes.stream().map(Process::pid).toList();
    }
  }

  /**
   * Polls {@code ready} every 100 ms until it holds; fails naming {@code what}, with the tail of
   * the logs, when {@code timeout} passes or a process exits.
   */
  void await(String what, Duration timeout, BooleanSupplier ready) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.getAsBoolean()) {
      synchronized (processes) {
        for (int i = 0; i < processes.size(); i++) {
          if (!processes.get(i).isAlive()) {
            throw new IllegalStateException(what + ": a process exited with " + processes.get(i).exitValue()
                + "; its log " + logs.get(i) + " ends with:\n" + tail(logs.get(i)));
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " not ready within " + timeout.toSeconds() + " s; logs in "
            + logs.stream().map(Path::getParent).distinct().toList());
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** Whether GET {@code url} answers 200 and a body containing {@code expected}. */
  static boolean httpOk(String url, String expected) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains(expected);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The last 20 lines of {@code log}. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    OPEN.remove(this);
    List<Process> all;
    synchronized (processes) {
      all = List.copyOf(processes);
    }
    all.forEach(Process::destroy);
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (Process p : all) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
