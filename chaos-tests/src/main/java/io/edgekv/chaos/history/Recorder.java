package io.edgekv.chaos.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends operations to the history of a running test, from many threads. Each op gets the
 * next index and the time since the recorder was created; it is also streamed to a JSON-lines
 * file as it happens, so an interrupted run still leaves its history.
 */
public final class Recorder implements AutoCloseable {
  private final long origin = System.nanoTime();
  private final List<Op> ops = new ArrayList<>();
  private final BufferedWriter out;

  public Recorder(Path file) {
    try {
      this.out = file == null ? null : Files.newBufferedWriter(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A recorder that keeps ops in memory only. */
  public static Recorder inMemory() {
    return new Recorder(null);
  }

  /** Nanoseconds since the recorder was created. */
  public long now() {
    return System.nanoTime() - origin;
  }

  public synchronized Op record(int process, Op.Type type, String f, String key, JsonNode value, String node,
      String region, boolean fin, String consistency, String error) {
    Op op = new Op(ops.size(), now(), process, type, f, key, value, node, region, fin, consistency, error);
    ops.add(op);
    if (out != null) {
      try {
        out.write(History.JSON.writeValueAsString(History.toJson(op)));
        out.newLine();
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return op;
  }

  public synchronized History history() {
    return new History(ops);
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
