package io.edgekv.replication.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Free space of a node's data directory against {@code storage.minFreeBytes}. The node samples it
 * periodically ({@link #refresh()}, a file-system call), never per request; writes consult the
 * last sample ({@link #checkWritable()}). Under the threshold writes are refused, reads go on,
 * and writes resume by themselves at the first sample above it.
 *
 * <p>Thread-safe.
 */
public final class DiskSpace {
  private static final Logger LOG = LoggerFactory.getLogger(DiskSpace.class);

  /** Where the free space comes from: the file system, or a test's simulated disk. */
  @FunctionalInterface
  public interface Probe {
    /** Bytes this process can still write under {@code dir}. */
    long usableBytes(Path dir) throws IOException;
  }

  /** The file system's usable space of the store holding the directory. */
  public static final Probe FILE_STORE = dir -> Files.getFileStore(dir).getUsableSpace();

  private final Path dir;
  private final long minFreeBytes;
  private final Probe probe;
  /** The last sample; unknown (plenty) until the first one. */
  private volatile long freeBytes = Long.MAX_VALUE;

  public DiskSpace(Path dir, long minFreeBytes, Probe probe) {
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("storage.minFreeBytes must be at least 0, was " + minFreeBytes);
    }
    this.dir = dir;
    this.minFreeBytes = minFreeBytes;
    this.probe = probe;
  }

  public long minFreeBytes() {
    return minFreeBytes;
  }

  /** Samples the free space now; logs when the directory goes under the threshold or back above it. */
  public void refresh() {
    long free;
    try {
      Files.createDirectories(dir);
      free = probe.usableBytes(dir);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the free space of {}: {}", dir, e.toString());
      return;
    }
    boolean wasShort = freeBytes < minFreeBytes;
    freeBytes = free;
    boolean isShort = free < minFreeBytes;
    if (isShort && !wasShort) {
      LOG.error("disk full: {}", describe(free));
    } else if (wasShort && !isShort) {
      LOG.info("disk space recovered: {} bytes free in {} (storage.minFreeBytes {}); writes are accepted again",
          free, dir, minFreeBytes);
    }
  }

  /** Why writes are refused, or empty while there is enough space. */
  public Optional<String> shortage() {
    long free = freeBytes;
    return free < minFreeBytes ? Optional.of(describe(free)) : Optional.empty();
  }

  /** @throws DiskFullException when the last sample was under the threshold */
  public void checkWritable() {
    long free = freeBytes;
    if (free < minFreeBytes) {
      throw new DiskFullException("writes refused: " + describe(free), free, minFreeBytes);
    }
  }

  private String describe(long free) {
    return free + " bytes free in " + dir + ", below storage.minFreeBytes " + minFreeBytes;
  }
}
