package io.edgekv.replication.storage;

/** A write refused because the data directory's free space is under {@code storage.minFreeBytes}. */
public final class DiskFullException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long freeBytes;
  private final long minFreeBytes;

  public DiskFullException(String message, long freeBytes, long minFreeBytes) {
    super(message);
    this.freeBytes = freeBytes;
    this.minFreeBytes = minFreeBytes;
  }

  public long freeBytes() {
    return freeBytes;
  }

  public long minFreeBytes() {
    return minFreeBytes;
  }
}
