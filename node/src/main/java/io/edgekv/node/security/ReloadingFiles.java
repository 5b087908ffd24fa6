package io.edgekv.node.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Something read from files on disk and read again when any of them changes (modification time
 * or size), checked at most once a second, so certificates and CAs are replaced without a restart.
 * A file that cannot be read or parsed keeps the last good value and is logged.
 *
 * @param <T> what the files hold
 */
final class ReloadingFiles<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingFiles.class);
  private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

  /** Reads the value from the files. */
  interface Loader<T> {
    T load() throws IOException;
  }

  private final List<Path> files;
  private final Loader<T> loader;
  private final LongSupplier nanoTime;
  private volatile T value;
  private volatile String stamp;
  private volatile long checkedAt;

  /** Loads once now: a file missing or malformed at start fails here, naming it. */
  ReloadingFiles(List<Path> files, Loader<T> loader, LongSupplier nanoTime) throws IOException {
    this.files = List.copyOf(files);
    this.loader = loader;
    this.nanoTime = nanoTime;
    this.stamp = stamp();
    this.value = loader.load();
    this.checkedAt = nanoTime.getAsLong();
  }

  /** The current value, read again first when the files changed since the last check. */
  T get() {
    long now = nanoTime.getAsLong();
    if (now - checkedAt >= CHECK_EVERY_NANOS) {
      synchronized (this) {
        if (now - checkedAt >= CHECK_EVERY_NANOS) {
          checkedAt = now;
          reloadIfChanged();
        }
      }
    }
    return value;
  }

  private void reloadIfChanged() {
    String current;
    try {
      current = stamp();
    } catch (IOException e) {
      LOG.warn("cannot check {} for changes, keeping the loaded version: {}", files, e.getMessage());
      return;
    }
    if (current.equals(stamp)) {
      return;
    }
    try {
      value = loader.load();
      stamp = current;
      LOG.info("reloaded {}", files);
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      LOG.warn("cannot reload {}, keeping the loaded version: {}", files, e.getMessage());
    }
  }

  private String stamp() throws IOException {
    StringBuilder out = new StringBuilder();
    for (Path f : files) {
      FileTime modified = Files.getLastModifiedTime(f);
      out.append(f).append('@').append(modified.toMillis()).append('/').append(Files.size(f)).append(';');
    }
    return out.toString();
  }
}
