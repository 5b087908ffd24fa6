package io.edgekv.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How the harness starts JVMs: the JDK it runs on, the flags the {@code edgekv} launcher gives
 * (native access for RocksDB; Unsafe for protobuf and gRPC from JDK 24 on), the node jar, this
 * module's jar, and the anchor clients' libraries.
 */
record Launcher(Path java, Path edgekvJar, Path benchJar, Path anchorLib) {

  /** From the system properties {@code edgekv.jar}, {@code edgekv.bench.jar}, {@code edgekv.bench.lib}. */
  static Launcher fromSystemProperties() {
    Path java = Path.of(ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    return new Launcher(java, existing("edgekv.jar"), existing("edgekv.bench.jar"), existing("edgekv.bench.lib"));
  }

  private static Path existing(String property) {
    String value = System.getProperty(property);
    if (value == null || !Files.exists(Path.of(value))) {
      throw new IllegalStateException("system property " + property + " must name an existing path, got " + value
          + " (run through ./edgekv bench compare)");
    }
    return Path.of(value);
  }

  /** A JVM command: the java binary, the launcher's flags, {@code -Xmx<heap>}, then {@code args}. */
  List<String> java(List<String> args, String heap) {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-Xmx" + heap);
    command.addAll(args);
    return command;
  }

  /** The load generator's class path: this jar with the anchor libraries, or with the node jar. */
  String loadClassPath(boolean anchor) {
    if (!anchor) {
      return benchJar + File.pathSeparator + edgekvJar;
    }
    try (Stream<Path> jars = Files.list(anchorLib)) {
      List<String> entries = new ArrayList<>();
      entries.add(benchJar.toString());
      jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
      return String.join(File.pathSeparator, entries);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + anchorLib, e);
    }
  }
}
