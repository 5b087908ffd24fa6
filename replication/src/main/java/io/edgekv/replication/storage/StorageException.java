package io.edgekv.replication.storage;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * A storage failure. {@link #corruption()} tells a damaged database (a checksum mismatch, an
 * undecodable record: the data is lost on this replica, retrying cannot help) from other errors;
 * {@link #file()} names the damaged file when RocksDB's message does. In apply any storage error
 * fails the shard (see {@code KvStateMachine#failure()}): a replica that skipped an entry is
 * worse than a dead one.
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Files RocksDB names in its messages: tables, WALs, blobs, manifests. */
  private static final Pattern FILE = Pattern.compile("(\\S*(?:\\.sst|\\.log|\\.blob|MANIFEST-\\d+))");

  private final boolean corruption;
  private final String file;

  public StorageException(String message, Throwable cause) {
    this(message, cause, false, "");
  }

  protected StorageException(String message, Throwable cause, boolean corruption, String file) {
    super(message, cause);
    this.corruption = corruption;
    this.file = file;
  }

  /** Classifies a RocksDB failure of {@code what} (e.g. "read from entries"). */
  public static StorageException of(String what, RocksDBException e) {
    Status status = e.getStatus();
    boolean corrupt = status != null && status.getCode() == Status.Code.Corruption;
    String file = fileIn(e.getMessage());
    return new StorageException(what + " failed" + (corrupt ? " (data corruption)" : "") + ": " + e.getMessage(), e,
        corrupt, file);
  }

  /** A stored record that does not decode: the bytes on disk are not what was written. */
  public static StorageException corruptRecord(Throwable cause) {
    return new StorageException("corrupt stored record: " + cause.getMessage(), cause, true, "");
  }

  /** True when the stored data is damaged (RocksDB status Corruption or an undecodable record). */
  public boolean corruption() {
    return corruption;
  }

  /** The damaged file, when the storage engine named one. */
  public Optional<String> file() {
    return file.isEmpty() ? Optional.empty() : Optional.of(file);
  }

  static String fileIn(String message) {
    if (message == null) {
      return "";
    }
    Matcher m = FILE.matcher(message);
    return m.find() ? m.group(1) : "";
  }
}
