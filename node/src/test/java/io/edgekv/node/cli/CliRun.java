package io.edgekv.node.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** One in-process run of the {@code edgekv} command line, with its exit code and streams. */
record CliRun(int exitCode, byte[] stdoutBytes, String stderr) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static CliRun run(Map<String, String> env, byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = EdgeKvCommand.run(args, new ByteArrayInputStream(stdin),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
    return new CliRun(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  /** A run with {@code --endpoint endpoint} in front of {@code args}. */
  static CliRun against(String endpoint, byte[] stdin, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--endpoint";
    all[1] = endpoint;
    System.arraycopy(args, 0, all, 2, args.length);
    return run(Map.of(), stdin, all);
  }

  /** Asserts that stderr is exactly one line, beginning with {@code prefix}. */
  void assertOneErrorLine(String prefix) {
    if (stderrLines().size() != 1 || !stderrLines().get(0).startsWith(prefix)) {
      throw new AssertionError("expected one error line starting with '" + prefix + "', got:\n" + this);
    }
  }

  String stdout() {
    return new String(stdoutBytes, StandardCharsets.UTF_8);
  }

  List<String> stdoutLines() {
    String s = stdout();
    return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n", -1)).subList(0, s.split("\n", -1).length - 1);
  }

  List<String> stderrLines() {
    return stderr.isEmpty() ? List.of() : List.of(stderr.split("\n"));
  }

  /** Stdout as exactly one JSON object. */
  Map<String, Object> json() {
    List<String> lines = stdoutLines();
    if (lines.size() != 1) {
      throw new AssertionError("expected one JSON line, got: " + stdout() + " / stderr: " + stderr);
    }
    return parse(lines.get(0));
  }

  static Map<String, Object> parse(String line) {
    try {
      return JSON.readValue(line, new TypeReference<Map<String, Object>>() {});
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + stdout() + "--- stderr\n" + stderr;
  }
}
