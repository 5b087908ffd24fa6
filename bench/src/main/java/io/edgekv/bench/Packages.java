package io.edgekv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds the anchors' server binaries (where Debian installs them), installing their Debian packages with apt-get when missing. */
final class Packages {
  private static final List<String> DIRS = List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin");

  private Packages() {}

  /** The path of {@code binary}; installs {@code pkg} first when no such binary is found. */
  static Path ensure(String binary, String pkg) throws IOException, InterruptedException {
    Path found = find(binary);
    if (found != null) {
      return found;
    }
    System.err.println("bench compare: " + binary + " not found; installing the " + pkg + " package with apt-get");
    if (run(List.of("apt-get", "install", "-y", "--no-install-recommends", pkg)) != 0) {
      run(List.of("apt-get", "update"));
      if (run(List.of("apt-get", "install", "-y", "--no-install-recommends", pkg)) != 0) {
        throw new IllegalStateException("apt-get install " + pkg + " failed; install it and run again");
      }
    }
    found = find(binary);
    if (found == null) {
      throw new IllegalStateException("the " + pkg + " package installed no " + binary + " binary");
    }
    return found;
  }

  static Path find(String binary) {
    for (String dir : DIRS) {
      Path p = Path.of(dir, binary);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    // The harness' stdout is for results: the package manager's output goes to stderr.
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("/dev/stderr").toFile()));
    Process p = pb.start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
