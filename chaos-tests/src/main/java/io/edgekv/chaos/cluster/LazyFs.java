package io.edgekv.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;

/**
 * The power-loss file system ({@code src/main/c/lazyfs.c}): node data on a FUSE mount inside the
 * node's container that holds file data written since the last fsync in the FUSE process's
 * memory. Killing the container kills that process, so a kill loses exactly the unsynced data,
 * as a power cut does (the host's page cache, which a plain {@code kill -9} keeps, never sees
 * it). Pages older than {@value #WRITEBACK_MS} ms are written back without fsync, like the
 * kernel's writeback. Compiled on the host with {@code cc} and {@code libfuse3-dev} (.ci/run
 * installs them); containers get {@code /dev/fuse} and {@code SYS_ADMIN}.
 */
public final class LazyFs {
  /** Where a node's data lives. */
  public enum Disk {
    /** The container's writable layer: a kill keeps what the host's page cache holds. */
    LAYER,
    /** The power-loss file system: a kill loses what was not fsynced. */
    LAZY,
    /** The power-loss file system that acknowledges fsync without persisting (self-test {@code skip-fsync}). */
    LAZY_IGNORE_FSYNC
  }

  static final int WRITEBACK_MS = 2000;
  private static final String IN_CONTAINER = "/opt/edgekv/lazyfs";

  private LazyFs() {}

  /** Binds the binary and grants what a FUSE mount needs, for the lazy disks. */
  static GenericContainer<?> mount(Disk disk, GenericContainer<?> c, Path workDir) {
    if (disk == Disk.LAYER) {
      return c;
    }
    Path binary = build(workDir.getParent() == null ? workDir : workDir.getParent());
    return c.withFileSystemBind(binary.toString(), IN_CONTAINER, BindMode.READ_ONLY)
        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
            .withDevices(com.github.dockerjava.api.model.Device.parse("/dev/fuse"))
            .withCapAdd(com.github.dockerjava.api.model.Capability.NET_ADMIN,
                com.github.dockerjava.api.model.Capability.SYS_ADMIN));
  }

  /**
   * The container's command: on a lazy disk a shell mounts the file system over {@code /data}
   * (backing directory {@code /lazy} in the container's layer), waits for the mount and then
   * becomes the JVM.
   */
  static String[] command(Disk disk, String... java) {
    if (disk == Disk.LAYER) {
      return java;
    }
    StringBuilder sh = new StringBuilder("mkdir -p /lazy /data && " + IN_CONTAINER + " /lazy /data --writeback-ms "
        + WRITEBACK_MS + (disk == Disk.LAZY_IGNORE_FSYNC ? " --ignore-fsync" : "")
        + " & i=0; until grep -q ' /data fuse' /proc/mounts; do i=$((i+1)); [ $i -gt 100 ] && exit 70; sleep 0.1; done; exec");
    for (String a : java) {
      sh.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    return new String[] {"/bin/sh", "-c", sh.toString()};
  }

  /** Compiles the file system once per output directory (cc, libfuse3-dev); returns the binary. */
  static synchronized Path build(Path dir) {
    Path source = source();
    Path binary = dir.resolve("edgekv-lazyfs");
    try {
      if (Files.isExecutable(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) >= 0) {
        return binary.toAbsolutePath();
      }
      Files.createDirectories(dir);
      List<String> cmd = new ArrayList<>(List.of("cc", "-O2", "-Wall", "-o", binary.toString(), source.toString()));
      cmd.addAll(List.of(run("pkg-config", "--cflags", "--libs", "fuse3").trim().split("\\s+")));
      run(cmd.toArray(String[]::new));
      return binary.toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path source() {
    for (Path p : List.of(Path.of("src/main/c/lazyfs.c"), Path.of("chaos-tests/src/main/c/lazyfs.c"))) {
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException("lazyfs.c not found (run from chaos-tests or the project root)");
  }

  private static String run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed (power loss needs cc and libfuse3-dev): " + out);
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
