package io.edgekv.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The streams of one run of the {@code edgekv} command. Stdout carries only results; errors,
 * warnings and progress go to stderr; every line is flushed as it is written, so a script or
 * a pipe sees it at once. Text is written as UTF-8 whatever the platform's default.
 *
 * <p>Thread-safe: lines written from several threads do not interleave.
 */
public final class CliOutput {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final PrintWriter outWriter;
  private final PrintWriter errWriter;

  /** Output to the given streams; {@code in} is where a value given as {@code -} is read. */
  public CliOutput(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    this.errWriter = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
  }

  /** Standard input. */
  public InputStream in() {
    return in;
  }

  /** Stdout as a writer, for picocli's help. */
  PrintWriter outWriter() {
    return outWriter;
  }

  /** Stderr as a writer, for picocli's messages. */
  PrintWriter errWriter() {
    return errWriter;
  }

  /** Writes one result line to stdout. */
  public synchronized void line(String text) {
    writeLine(out, text);
  }

  /** Writes bytes to stdout unchanged, with no newline (a binary value). */
  public synchronized void raw(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    out.flush();
  }

  /** Writes one JSON object on one line of stdout. */
  public synchronized void json(Map<String, ?> object) {
    try {
      writeLine(out, JSON.writeValueAsString(object));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes one line to stderr: progress, warnings, the {@code watching} line of a stream. */
  public synchronized void info(String text) {
    writeLine(err, text);
  }

  /** Writes the one error line, {@code error: <CODE>: <message>}, to stderr. */
  public synchronized void error(String code, String message) {
    writeLine(err, "error: " + code + ": " + oneLine(message));
  }

  /**
   * Reads all of stdin, refusing more than {@code limit} bytes with an {@link
   * IllegalArgumentException} that names {@code what} and says {@code why} the limit is.
   */
  byte[] readStdin(int limit, String what, String why) {
    try {
      byte[] bytes = in.readNBytes(limit + 1);
      if (bytes.length > limit) {
        throw new IllegalArgumentException(
            what + ": stdin holds more than " + limit + " bytes, " + why);
      }
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + what + " from stdin", e);
    }
  }

  private static void writeLine(PrintStream stream, String text) {
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    stream.write(bytes, 0, bytes.length);
    stream.flush();
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
